"""Edge-case BMPs (V4/V5 headers, bitfield masks, oversized palettes, RLE end-of-line/end-of-bitmap/delta
corner cases, overruns, short files). A file OpenCV reads gets <name>.gray.png
(cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2GRAY)); a file OpenCV refuses gets none, and the decoder must
refuse it too.

Run once in a throwaway venv (opencv-python-headless, numpy):
    python Tests/Fixtures/decode/make_bmp_edge_fixtures.py
"""
import os, struct, cv2, numpy as np
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bmp_edge"); os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT): os.remove(os.path.join(OUT,f))
rng=np.random.default_rng(3)
w,h=13,7
bgra=rng.integers(0,256,(h,w,4),dtype=np.uint8)
def write(name, hdr_size, bpp, comp, pixel_rows, extra_hdr=b"", palette=b"", height=h, clr=0, masks_after=b""):
    data=b"".join(pixel_rows)
    info=struct.pack("<IiiHHIIiiII",hdr_size,w,height,1,bpp,comp,len(data),0,0,clr,0)+extra_hdr
    info=info+b"\0"*(hdr_size-len(info))
    off=14+hdr_size+len(masks_after)+len(palette)
    open(os.path.join(OUT,name),"wb").write(b"BM"+struct.pack("<IHHI",off+len(data),0,0,off)+info+masks_after+palette+data)
rows32=[bgra[y].tobytes() for y in reversed(range(h))]
masks=struct.pack("<IIII",0x00FF0000,0x0000FF00,0x000000FF,0xFF000000)
write("v5_32_bitfields.bmp",124,32,3,rows32,extra_hdr=masks)
write("v4_32_rgb.bmp",108,32,0,rows32)
write("v3_32_bitfields_rgba_masks.bmp",40,32,3,rows32,masks_after=struct.pack("<III",0xFF,0xFF00,0xFF0000))
v565=((bgra[...,2]>>3).astype(np.uint16)<<11)|((bgra[...,1]>>2).astype(np.uint16)<<5)|(bgra[...,0]>>3)
rows16=[(v565[y].astype("<u2").tobytes()+b"\0\0") for y in reversed(range(h))]
write("v5_16_565.bmp",124,16,3,rows16,extra_hdr=struct.pack("<III",0xF800,0x7E0,0x1F))
write("v3_16_565.bmp",40,16,3,rows16,masks_after=struct.pack("<III",0xF800,0x7E0,0x1F))
write("v3_16_weirdmask.bmp",40,16,3,rows16,masks_after=struct.pack("<III",0xF00,0xF0,0xF))
pal=bytes(rng.integers(0,256,1024,dtype=np.uint8))
idx=rng.integers(0,2,(h,w),dtype=np.uint8)
rows1=[np.packbits(idx[y]).tobytes().ljust(4,b"\0") for y in reversed(range(h))]
write("pal1_clr256.bmp",40,1,0,rows1,palette=pal,clr=256)
write("pal1_clr300.bmp",40,1,0,rows1,palette=pal,clr=300)
idx8=rng.integers(0,256,(h,w),dtype=np.uint8)
# RLE8: absolute runs that end exactly at the row end, then EOL; encoded run to row end then EOL; top-down
def rle8(rows):
    out=b""
    for r in rows:
        out+=bytes([0,len(r)])+bytes(r)+(b"\0" if len(r)%2 else b"")+b"\0\0"
    return out+b"\0\x01"
write("rle8_abs_eol.bmp",40,8,1,[rle8([idx8[y] for y in reversed(range(h))])],palette=pal)
enc=b"".join(bytes([w,int(idx8[y,0])])+b"\0\0" for y in reversed(range(h)))+b"\0\x01"
write("rle8_enc_eol.bmp",40,8,1,[enc],palette=pal)
write("rle8_topdown.bmp",40,8,1,[rle8([idx8[y] for y in range(h)])],palette=pal,height=-h)
write("rle8_early_eob.bmp",40,8,1,[bytes([w,5])+b"\0\0"+b"\0\x01"],palette=pal)
write("rle8_no_eob.bmp",40,8,1,[rle8([idx8[y] for y in reversed(range(h))])[:-2]],palette=pal)
write("rle8_delta_big.bmp",40,8,1,[b"\x03\x07\0\x02\x05\x02\x02\x09\0\x01"],palette=pal)
write("rle4_eob_early.bmp",40,4,2,[bytes([w,0x12])+b"\0\0"+b"\0\x01"],palette=pal[:64])
write("rle4_delta.bmp",40,4,2,[b"\x03\x12\0\x02\x04\x01\x02\x34\0\0"*4+b"\0\x01"],palette=pal[:64])
write("rle8_overrun.bmp",40,8,1,[bytes([w+2,5])+b"\0\x01"],palette=pal)
rows24=[bgra[y,:,:3].tobytes()+b"\0"*((-w*3)%4) for y in reversed(range(h))]
write("v3_24_short_last_pad.bmp",40,24,0,[b"".join(rows24)[:-1]])
for n in sorted(os.listdir(OUT)):
    if n.endswith(".png"): continue
    im=cv2.imread(os.path.join(OUT,n))
    print(n, "cv2:", None if im is None else im.shape)
    if im is not None: cv2.imwrite(os.path.join(OUT,n)+".gray.png", cv2.cvtColor(im,cv2.COLOR_BGR2GRAY))
