#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpora of the ICAO fuzz targets (tests/fuzz/corpus/{tlv,dg1,dg2,dg13}).

Seeds are synthetic (built here) or copied from tests/fixtures/icao (see its README for
sources and licences).  Run from the top of the source tree:  python3 tests/fuzz/make_icao_corpus.py
"""
import os

FIX = "tests/fixtures/icao"
OUT = "tests/fuzz/corpus"


def tlv(tag, value):
    t = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    n = len(value)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return t + ln + value


def cd(s):
    w = (7, 3, 1)
    tot = 0
    for i, c in enumerate(s):
        v = int(c) if c.isdigit() else 0 if c == "<" else ord(c) - 55
        tot += v * w[i % 3]
    return str(tot % 10)


def fixture(name, size=None):
    with open(os.path.join(FIX, name), "rb") as f:
        data = f.read()
    return data if size is None else data[:size]


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def vn_td1():
    doc = "089012345"
    l1 = "IDVNM" + doc + cd(doc) + "001089012345" + "<<" + "8"
    l2 = "890315" + cd("890315") + "M" + "290315" + cd("290315") + "VNM" + "<" * 11
    comp = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    l2 += cd(comp)
    l3 = "NGUYEN<<VAN<A".ljust(30, "<")
    return l1, l2, l3


TINY_JPEG = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0" + \
    bytes([0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0xA0, 0x00, 0x78, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9])


def dg2_19794(img, w=480, h=640):
    blen = 20 + 12 + len(img)
    rec = b"FAC\x00" + b"010\x00" + (14 + blen).to_bytes(4, "big") + (1).to_bytes(2, "big")
    rec += blen.to_bytes(4, "big") + bytes(16)
    rec += bytes([1, 0]) + w.to_bytes(2, "big") + h.to_bytes(2, "big") + bytes(6) + img
    bit = tlv(0x7F60, tlv(0xA1, bytes.fromhex("870201018802 0008".replace(" ", ""))) +
              tlv(0x5F2E, rec))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + bit))


def dg2_39794(img):
    rep = tlv(0x30, tlv(0x80, b"\x00") +
              tlv(0xA1, tlv(0xA0, tlv(0xA0, tlv(0x80, img) + tlv(0xA1, tlv(0xA0, tlv(0x80, b"\x03")))))))
    blk = tlv(0x65, tlv(0xA0, tlv(0x80, b"\x03") + tlv(0x81, b"\x07\xe3")) + tlv(0xA1, rep))
    bit = tlv(0x7F60, tlv(0xA1, bytes.fromhex("87020101880200 2a".replace(" ", ""))) +
              tlv(0x7F2E, tlv(0xA1, blk)))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + bit))


def dg13_field(n, s, tag=0x0C):
    return tlv(0x30, tlv(0x02, bytes([n])) + tlv(tag, s.encode()))


def dg13(wrapper):
    addr = "Số 12, Ngõ 34, Đường Láng, " * 6 + "Hà Nội"
    f = b"".join([
        dg13_field(1, "001189012345", 0x13), dg13_field(2, "Nguyễn Thị Hoa"),
        dg13_field(3, "15/03/1989", 0x13), dg13_field(4, "Nữ"), dg13_field(5, "Việt Nam"),
        dg13_field(6, "Kinh"), dg13_field(7, "Không"), dg13_field(8, "Thái Bình"),
        dg13_field(9, addr), dg13_field(10, "Nốt ruồi"), dg13_field(11, "10/05/2021", 0x13),
        dg13_field(12, "15/03/2029"),
        tlv(0x30, tlv(0x02, b"\x0d") + tlv(0x30, tlv(0x0C, "Nguyễn Văn Bình".encode())) +
            tlv(0x30, tlv(0x0C, "Trần Thị Mai".encode()))),
        dg13_field(14, ""), dg13_field(15, "123456789", 0x13),
        dg13_field(16, "ABCDEF0123456789", 0x13), dg13_field(20, "mới")])
    if wrapper == 0:
        body = f
    elif wrapper == 1:
        body = tlv(0x02, b"\x01") + bytes.fromhex("06062B0601040102") + tlv(0x30, f)
    else:
        body = tlv(0x30, tlv(0x02, b"\x00") + tlv(0x31, f))
    return tlv(0x6D, body)


def main():
    # tlv
    put("tlv", "efcom", fixture("bsi2008_efcom.bin"))
    put("tlv", "indefinite", bytes.fromhex("30803080020101000004 02AABB0000".replace(" ", "")))
    put("tlv", "multibyte_tag", bytes.fromhex("BF8101 0302 0100".replace(" ", "")))
    put("tlv", "long_lengths", tlv(0x30, tlv(0x04, bytes(200)) + tlv(0x04, bytes(300))))
    put("tlv", "sm_response", bytes.fromhex(
        "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"))
    put("tlv", "dg2_head", fixture("bsi2008_dg2.bin", 96))
    # dg1
    put("dg1", "bsi2008_dg1", fixture("bsi2008_dg1.bin"))
    put("dg1", "nl2006_dg1", fixture("nl2006_dg1.bin"))
    l1, l2, l3 = vn_td1()
    put("dg1", "vn_dg1", tlv(0x61, tlv(0x5F1F, (l1 + l2 + l3).encode())))
    put("dg1", "vn_mrz_text", ("\n".join([l1, l2, l3]) + "\n").encode())
    put("dg1", "td3_text", b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        b"L898902C36UTO7408122F1204159ZE184226B<<<<<10\n")
    put("dg1", "efcom_vn", bytes.fromhex("60185F0104303130375F36063034303030305C066175636D6E6F"))
    put("dg1", "qr7", "001089012345|123456789|Nguyễn Văn A|15031989|Nam|Số 1, Hà Nội|10052021".encode())
    put("dg1", "qr6", "001089012345|Nguyễn Văn A|15031989|Nam|Số 1, Hà Nội|10052021\n".encode())
    # dg2
    put("dg2", "jpeg_19794", dg2_19794(TINY_JPEG))
    put("dg2", "jpeg_19794_nodims", dg2_19794(TINY_JPEG, 0, 0))
    put("dg2", "jpeg_39794", dg2_39794(TINY_JPEG))
    put("dg2", "j2k_39794", dg2_39794(bytes.fromhex("FF4FFF51002F0000000001000000020000000000000000")))
    put("dg2", "bsi2008_head", fixture("bsi2008_dg2.bin", 200))
    # dg13
    for w in range(3):
        put("dg13", "vn_wrapper%d" % w, dg13(w))
    put("dg13", "minimal", tlv(0x6D, dg13_field(1, "001189012345", 0x13)))


if __name__ == "__main__":
    main()
