#!/usr/bin/env python3
# eager_kernels.py - eager element-wise kernels by kind (broadcasts, gathers, index_put, cat, transposes) and HF's
# grouped-GEMM layout, timed with CUDA events. Run on the device from the repository root:
# python3 tools/measure/eager_kernels.py OUTDIR. Produced the 'kernels' of data/calibration/h200_eager_kernels_2026-11-28.json.
import sys,torch,json;sys.path.insert(0,'tools/measure');import h200_measure as hm
O=sys.argv[1];K=[];bf=torch.bfloat16;c='cuda';t=hm.timed
S,h,T,k=65536,1024,16384,4
x=torch.randn(S,h,device=c,dtype=bf);p=torch.randperm(S,device=c);m=torch.rand(S,1,device=c)<0.01;w=torch.randn(S,1,device=c,dtype=bf)
def a(n,f,b):K.append({'kernel':n,'bytes':b,'seconds':t(f)})
a('gather_rows',lambda:x[p],4*S*h)
a('masked_fill_bcast',lambda:x.masked_fill(m,0.0),4*S*h)
a('mul_bcast_col',lambda:x*w,4*S*h)
a('sum_k',lambda:x.view(T,k,h).sum(1),2*S*h+2*T*h)
z=torch.zeros(T,h,device=c,dtype=bf);i2=p//k
a('index_put_accumulate',lambda:torch.zeros(T,h,device=c,dtype=bf).index_put_((i2,),x,accumulate=True),2*S*h+6*T*h)
q=torch.randn(8,12,2048,64,device=c,dtype=bf);cs=torch.randn(8,1,2048,64,device=c,dtype=bf)
a('mul_bcast_heads',lambda:q*cs,6*q.numel())
a('rotate_half_cat',lambda:torch.cat((-q[...,32:],q[...,:32]),dim=-1),4*q.numel())
W=torch.randn(32,1024,1024,device=c,dtype=bf)
a('transpose_contiguous',lambda:W.transpose(-2,-1).contiguous(),4*W.numel())
r=torch.randn(16384,768,device=c,dtype=torch.float32);v=torch.randn(16384,1,device=c);g=torch.randn(768,device=c,dtype=bf)
a('mul_bcast_rsqrt_fp32',lambda:r*v,8*r.numel())
rb=r.to(bf)
a('mul_bcast_weight_bf16',lambda:g*rb,4*r.numel())
if hasattr(torch,'_grouped_mm'):
 xs=torch.randn(S,h,device=c,dtype=bf,requires_grad=True);Wg=torch.randn(32,2048,1024,device=c,dtype=bf,requires_grad=True);off=torch.arange(2048,S+1,2048,device=c,dtype=torch.int32)
 f=lambda:torch._grouped_mm(xs,Wg.transpose(-2,-1),offs=off);o=f();go=torch.randn_like(o)
 K.append({'kernel':'grouped_mm_hf_layout','experts':32,'tokens_per_expert':2048,'k':1024,'n':2048,'forward_s':t(f),'forward_backward_s':t(lambda:torch.autograd.grad(f(),(xs,Wg),go))})
json.dump(K,open(O+'/k.json','w'),indent=1);print(json.dumps(K))
