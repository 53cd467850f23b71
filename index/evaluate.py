"""Retrieval and answer quality on a question set (the ../shared/qa/*.jsonl format)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class QASetError(ValueError):
    """The question file is unreadable or a line lacks a field."""


@dataclass
class Score:
    """Hit@1, hit@5, MRR and answer accuracy over some questions."""

    n: int = 0
    hit1: int = 0
    hit5: int = 0
    rr: float = 0.0
    answered: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, rank: int | None, answer_ok: bool, qid: str) -> None:
        self.n += 1
        self.hit1 += rank == 1
        self.hit5 += rank is not None and rank <= 5
        self.rr += 1 / rank if rank else 0.0
        self.answered += answer_ok
        if rank != 1 or not answer_ok:
            self.misses.append(qid)

    def as_dict(self) -> dict:
        n = max(self.n, 1)
        return {
            "n": self.n,
            "hit@1": round(self.hit1 / n, 3),
            "hit@5": round(self.hit5 / n, 3),
            "mrr": round(self.rr / n, 3),
            "answer": round(self.answered / n, 3),
        }


def load_questions(path: Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise QASetError(f"cannot read {path}: {e}") from e
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
            missing = {"question", "report", "expect"} - set(q)
        except json.JSONDecodeError as e:
            raise QASetError(f"{path}:{number}: not JSON ({e.msg})") from e
        if missing:
            raise QASetError(f"{path}:{number}: missing {', '.join(sorted(missing))}")
        q.setdefault("lang", "en" if q["question"].isascii() else "zh")
        q.setdefault("id", f"line{number}")
        questions.append(q)
    return questions


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def is_hit(passage: dict, q: dict) -> bool:
    """A passage from the named report that contains every expected string."""
    text = _norm(passage["text"])
    return passage.get("file_name") == q["report"] and all(_norm(e) in text for e in q["expect"])


def answer_ok(answer: dict | None, q: dict) -> bool:
    """The answer's figure (not its sentence) contains the expected figure."""
    if not q.get("answer") or not answer or not answer.get("figure"):
        return False
    return _norm(q["answer"]) in _norm(answer["figure"])


def evaluate(questions: list[dict], ask: Callable[[str], dict]) -> dict[str, Score]:
    """Scores per language and overall; `ask` returns the `ask --json` shape."""
    scores: dict[str, Score] = {}
    for q in questions:
        result = ask(q["question"])
        rank = next((p["rank"] for p in result["passages"] if is_hit(p, q)), None)
        ok = answer_ok(result.get("answer"), q)
        for key in (q["lang"], "all"):
            scores.setdefault(key, Score()).add(rank, ok, q["id"])
    return scores
