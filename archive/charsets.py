"""Turn the bytes of a text file into str: BOMs, UTF-16 without BOM, UTF-8, then detection."""

from __future__ import annotations

import codecs
import logging

import charset_normalizer

from archive.models import ReadError

log = logging.getLogger(__name__)

SAMPLE_BYTES = 256 * 1024  # charset-normalizer is slow on big inputs: detect on a sample
_BOMS = [  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Detected names decoded with a superset, so rare characters outside the subset still decode.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "ascii": "utf-8"}
# Legacy CJK encodings whose byte ranges overlap: short samples get a second look.
_CJK_LEGACY = frozenset(
    "gb18030 big5 big5hkscs cp950 cp949 euc_kr johab shift_jis shift_jis_2004 shift_jisx0213"
    " cp932 euc_jp euc_jis_2004".split()
)
_MAX_BAD_SHARE = 0.001  # undecodable bytes tolerated (replaced) before the file is refused
_MAX_CONTROL_SHARE = 0.02


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file; return (text, encoding). Raise ReadError for binary content."""
    if not data:
        raise ReadError("empty file")
    text = None
    if not data.startswith(tuple(bom for bom, _ in _BOMS)) and b"\x00" not in _sample(data):
        try:  # most files: one strict pass decides and decodes
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if text is None:
        encoding = detect_encoding(data)
        text = _decode(data, encoding)
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise ReadError("not a text file (binary content)")
    return text, encoding


def detect_encoding(data: bytes) -> str:
    """Name the encoding of `data`, checking the cheap certain signs before guessing."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = _sample(data)
    if b"\x00" in sample:
        return _utf16_without_bom(sample)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise ReadError("not a text file (binary content or unknown encoding)")
    name = codecs.lookup(best.encoding).name
    name = _SUPERSETS.get(name, name)
    if name in _CJK_LEGACY:
        name = _chinese_tie_break(sample, name)
    return name


def _sample(data: bytes) -> bytes:
    """The first SAMPLE_BYTES, cut after a newline so no multibyte character is split."""
    if len(data) <= SAMPLE_BYTES:
        return data
    cut = data.rfind(b"\n", 0, SAMPLE_BYTES)
    return data[: cut + 1] if cut > 0 else data[:SAMPLE_BYTES]


def _utf16_without_bom(sample: bytes) -> str:
    """UTF-16 has NULs mostly at one parity (ASCII high bytes) and decodes to printable text."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    name = "utf-16-le" if odd > even else "utf-16-be"
    if max(even, odd) >= 3 * min(even, odd):
        try:
            text = sample[: len(sample) // 2 * 2].decode(name)
        except UnicodeDecodeError:
            text = ""
        printable = sum(1 for c in text if c.isprintable() or c in "\t\n\r")
        if text and printable >= 0.95 * len(text):
            return name
    raise ReadError("not a text file (binary content)")


def _chinese_tie_break(sample: bytes, guess: str) -> str:
    """GB18030, Big5 and the Japanese/Korean legacy encodings share byte ranges.

    On short samples detection is a coin toss, so the decoding that yields everyday
    Chinese characters wins; a tie goes to GB18030, the usual encoding of these reports.
    """
    scores = {}
    for name in ("gb18030", "big5"):
        try:
            scores[name] = _common_hanzi_share(sample.decode(name), name)
        except UnicodeDecodeError:
            continue
    if not scores:
        return guess
    best = max(scores, key=scores.__getitem__)
    if guess not in scores:
        return best if scores[best] >= 0.8 else guess
    if len(scores) == 2 and abs(scores["gb18030"] - scores["big5"]) < 0.2:
        return "gb18030"
    return best


def _common_hanzi_share(text: str, encoding: str) -> float:
    """Share of Han characters in the everyday block of the encoding (GB2312 level 1, Big5 常用字)."""
    han = common = 0
    for char in text:
        if not "\u4e00" <= char <= "\u9fff":
            continue
        han += 1
        try:
            code = char.encode("gb2312" if encoding == "gb18030" else "big5")
        except UnicodeEncodeError:
            continue
        if encoding == "gb18030" and 0xB0 <= code[0] <= 0xD7:
            common += 1
        elif encoding == "big5" and 0xA440 <= int.from_bytes(code[:2]) <= 0xC67E:
            common += 1
    return common / han if han else 0.0


def _decode(data: bytes, encoding: str) -> str:
    """Decode all of `data`; a detection made on the sample may fail later, so fall back."""
    candidates = [encoding] + [e for e in ("gb18030", "utf-8") if e != encoding]
    if encoding.startswith(("utf-16", "utf-32")):
        candidates = [encoding]
    for name in candidates:
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")
    if bad > _MAX_BAD_SHARE * len(data):
        raise ReadError(
            f"not valid {encoding} text ({bad} undecodable bytes); convert the file to UTF-8"
        )
    log.warning("replaced %d undecodable bytes while decoding as %s", bad, encoding)
    return text


def _control_share(text: str) -> float:
    """Share of C0/C1 control characters other than tab, newline, CR, form feed."""
    sample = text[:SAMPLE_BYTES]
    if not sample:
        return 0.0
    controls = sum(1 for c in sample if (c < " " and c not in "\t\n\r\x0c") or "\x7f" <= c < "\xa0")
    return controls / len(sample)
