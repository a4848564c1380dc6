"""Text in our SVG drawings (measure charts, the stakeholder map): how wide a
text is drawn, and the boxes that placing labels without overlap works with.

Widths are estimated from Helvetica/Arial advance widths, rounded up, so a box
is never smaller than the drawn text.
"""

from __future__ import annotations

from dataclasses import dataclass

# Average advance widths in em (Arial/Helvetica, rounded up), for the boxes.
_NARROW = set("iljI.,:;'|!") | {" "}
_WIDE = set("mwMW%@—")
_DIGIT = 0.56


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of how wide `text` is drawn at font `size`."""
    em = 0.0
    for char in text:
        if char.isdigit():
            em += _DIGIT
        elif char in _NARROW:
            em += 0.3
        elif char in _WIDE:
            em += 0.92
        elif char.isupper():
            em += 0.73
        else:
            em += 0.57
    return em * size * (1.1 if bold else 1.04) + 1


@dataclass(frozen=True)
class Box:
    """A rectangle: left, top, right, bottom."""

    x0: float
    y0: float
    x1: float
    y1: float

    def inside(self, other: Box) -> bool:
        return (
            self.x0 >= other.x0
            and self.y0 >= other.y0
            and self.x1 <= other.x1
            and self.y1 <= other.y1
        )

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def grown(self, by: float) -> Box:
        return Box(self.x0 - by, self.y0 - by, self.x1 + by, self.y1 + by)

    def crosses(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a–b passes through this box (Liang–Barsky clipping)."""
        (ax, ay), (bx, by) = a, b
        dx, dy = bx - ax, by - ay
        low, high = 0.0, 1.0
        for p, q in (
            (-dx, ax - self.x0),
            (dx, self.x1 - ax),
            (-dy, ay - self.y0),
            (dy, self.y1 - ay),
        ):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low > high:
                return False
        return True


@dataclass(frozen=True)
class TextLabel:
    """A text and where it is drawn: `x`, `y` (its baseline), `anchor`, at `size`."""

    text: str
    x: float
    y: float
    anchor: str  # start, middle or end
    size: float
    bold: bool = False

    @property
    def width(self) -> float:
        return text_width(self.text, self.size, bold=self.bold)

    @property
    def box(self) -> Box:
        left = {"start": self.x, "middle": self.x - self.width / 2, "end": self.x - self.width}[
            self.anchor
        ]
        return Box(left, self.y - 0.82 * self.size, left + self.width, self.y + 0.24 * self.size)


def label_in_box(text: str, box: Box, *, size: float, bold: bool, anchor: str) -> TextLabel:
    """The label whose box is `box` (the inverse of TextLabel.box)."""
    x = {"start": box.x0, "middle": (box.x0 + box.x1) / 2, "end": box.x1}[anchor]
    return TextLabel(text, x, box.y0 + 0.82 * size, anchor, size, bold)


def fit_text(text: str, width: float, size: float, *, bold: bool = False) -> str:
    """`text` as drawn in at most `width` at font `size`: whole when it fits,
    else cut at a word (or a character) with an ellipsis."""
    if text_width(text, size, bold=bold) <= width:
        return text
    cut = text
    while cut and text_width(cut + "…", size, bold=bold) > width:
        cut = cut[:-1]
    word = cut.rstrip().rpartition(" ")[0]
    if len(word) >= len(cut) * 0.6:  # a word end not far back reads better
        cut = word
    return cut.rstrip(" ,;:-–—") + "…" if cut.strip() else "…"


def wrap_text(
    text: str, width: float, size: float, *, bold: bool = False, lines: int = 2
) -> list[str]:
    """`text` broken at spaces into at most `lines` lines no wider than
    `width`; what does not fit is cut from the last line (`fit_text`)."""
    words, wrapped = text.split(), []
    while words and len(wrapped) < lines - 1:
        line = words.pop(0)
        while words and text_width(f"{line} {words[0]}", size, bold=bold) <= width:
            line += " " + words.pop(0)
        if text_width(line, size, bold=bold) > width:  # one long word: cut it here
            words.insert(0, line)
            break
        wrapped.append(line)
    if words:
        wrapped.append(fit_text(" ".join(words), width, size, bold=bold))
    return wrapped or [""]
