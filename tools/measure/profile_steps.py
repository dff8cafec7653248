#!/usr/bin/env python3
# profile_steps.py - one HF training step per model under torch.profiler: GPU busy time and the top kernels.
# Run on the device from the repository root: python3 tools/measure/profile_steps.py OUTDIR
# Produced data/calibration/h200_profile_2026-11-28.json (written as OUTDIR/prof.json). Compact: sent inline.
import sys,torch,json,time,collections;sys.path.insert(0,'tools/measure');import h200_measure as hm
from torch.profiler import profile,ProfilerActivity as A
O=sys.argv[1];R={}
for n,cfg,b,s in[('llama-125m',hm.LLAMA_125M,8,2048),('qwen3moe-small',hm.QWEN3MOE_SMALL,8,2048),('mixtral-small',hm.MIXTRAL_SMALL,4,2048),('deepseek-v3-small',hm.DSV3_SMALL,4,2048),('gpt2',hm.GPT2,8,1024)]:
 try:
  m=hm.build(cfg,torch.bfloat16);m.train();o=torch.optim.AdamW(m.parameters(),lr=1e-5,fused=True)
  ids=torch.randint(0,m.config.vocab_size,(b,s),device='cuda')
  def st():
   l=m(ids,labels=ids).loss;l.backward();o.step();o.zero_grad(set_to_none=True)
  for _ in range(3):st()
  torch.cuda.synchronize();t=time.perf_counter();st();torch.cuda.synchronize();w=time.perf_counter()-t
  with profile(activities=[A.CUDA]) as p:
   st();torch.cuda.synchronize()
  c=collections.defaultdict(lambda:[0,0.0])
  for e in p.events():
   if e.device_type==torch.autograd.DeviceType.CUDA:
    x=c[e.name[:90]];x[0]+=1;x[1]+=e.time_range.elapsed_us()
  tot=sum(v[1] for v in c.values());top=sorted(c.items(),key=lambda kv:-kv[1][1])[:40]
  R[n]={'wall_s':w,'gpu_busy_us':tot,'kernels':sum(v[0] for v in c.values()),'top':[[k,v[0],v[1]] for k,v in top]}
  print(n,round(w*1e3,1),round(tot/1e3,1),flush=True)
  del m,o;hm.clean()
 except Exception as e:R[n]=repr(e)[:300];hm.clean()
 json.dump(R,open(O+'/prof.json','w'),indent=1)
