#!/usr/bin/env python3
# host_overhead.py - host time per launched kernel in HF training steps, and a few kernels (unaligned GEMMs, casts).
# Run on the device from the repository root: python3 tools/measure/host_overhead.py OUTDIR SECONDS
# Produced data/calibration/h200_host_2026-11-28.json (written as OUTDIR/host_overhead.json). Each model of
# h200_measure.py at batch 1 x 64 tokens (256 for MoE), where each kernel's GPU time is below the host's time to
# issue it: forward/backward/optimizer wall time (synchronised, median of 5) and CUDA kernels counted by
# torch.profiler. Kept compact because it was sent to the device inline.
import json,os,sys,time,statistics as st,torch
sys.path.insert(0,'tools/measure');import h200_measure as hm
O=sys.argv[1];R={'host':[],'kernels':[],'errors':[]};T0=time.time()
def sv():json.dump(R,open(O+'/host_overhead.json','w'),indent=1)
def kc(fn):
 from torch.profiler import profile,ProfilerActivity as A
 with profile(activities=[A.CUDA]) as p:
  fn();torch.cuda.synchronize()
 return sum(1 for e in p.events() if e.device_type==torch.autograd.DeviceType.CUDA)
def hc(n,cfg,pr,ck,s):
 amp=pr=='amp';m=hm.build(cfg,torch.float32 if amp else torch.bfloat16);m.train()
 if ck:m.gradient_checkpointing_enable(gradient_checkpointing_kwargs={'use_reentrant':False})
 o=torch.optim.AdamW(m.parameters(),lr=1e-5,fused=True);ids=torch.randint(0,m.config.vocab_size,(1,s),device='cuda');S={}
 def f():
  with torch.autocast('cuda',dtype=torch.bfloat16,enabled=amp):S['l']=m(ids,labels=ids).loss
 def b():S['l'].backward()
 def z():o.step();o.zero_grad(set_to_none=True)
 for _ in range(2):f();b();z()
 T=[[],[],[]]
 for _ in range(5):
  for i,g in enumerate((f,b,z)):
   torch.cuda.synchronize();t=time.perf_counter();g();torch.cuda.synchronize();T[i].append(time.perf_counter()-t)
 r={'case':n,'precision':pr,'recompute':'full' if ck else 'none','seq':s,'forward_s':st.median(T[0]),'backward_s':st.median(T[1]),'optimizer_s':st.median(T[2]),'forward_kernels':kc(f),'backward_kernels':kc(b),'optimizer_kernels':kc(z)}
 del m,o;hm.clean();return r
F=torch.nn.functional;bf=torch.bfloat16;K=R['kernels']
for(M,N,k)in[(16384,50257,768),(16384,50304,768)]:
 x=torch.randn(M,k,device='cuda',dtype=bf);w=torch.randn(N,k,device='cuda',dtype=bf);g=torch.randn(M,N,device='cuda',dtype=bf)
 K.append({'kernel':'linear','m':M,'n':N,'k':k,'fwd':hm.timed(lambda:F.linear(x,w)),'dgrad':hm.timed(lambda:g@w),'wgrad':hm.timed(lambda:g.t()@x)});del x,w,g;hm.clean()
a=torch.randn(1<<27,device='cuda');c=a.to(bf)
K.append({'kernel':'casts','elements':1<<27,'f32_bf16':hm.timed(lambda:a.to(bf)),'bf16_f32':hm.timed(lambda:c.float()),'mul_bf16':hm.timed(lambda:c*c)});del a,c;hm.clean()
sv()
C=[('llama-125m',hm.LLAMA_125M,64),('gpt2',hm.GPT2,64),('llama-3.2-1b',hm.LLAMA_1B,64),('qwen2.5-0.5b',hm.QWEN25_05B,64),('gemma2-small',hm.GEMMA2_SMALL,64),('gpt2-medium',hm.GPT2_MEDIUM,64),('mixtral-small',hm.MIXTRAL_SMALL,256),('qwen3moe-small',hm.QWEN3MOE_SMALL,256),('deepseek-v3-small',hm.DSV3_SMALL,256)]
for pr,ck in[('bf16',False),('bf16',True),('amp',False)]:
 for n,cfg,s in C:
  if time.time()-T0>float(sys.argv[2]):continue
  try:R['host'].append(hc(n,cfg,pr,ck,s));print(n,pr,ck,round(time.time()-T0),flush=True)
  except Exception as e:R['errors'].append(n+pr+repr(e)[:300]);hm.clean()
  sv()
print('done',len(R['host']),R['errors'])
