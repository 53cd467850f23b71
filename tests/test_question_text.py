"""What of a question the encoder sees: the subject, without the report it names."""

import pytest

from index.question_text import subject_text


@pytest.mark.parametrize(("question", "places", "subject"), [
    ("北京市2026年政府工作报告计划今年新建多少个充电桩？", ["北京市"], "计划今年新建多少个充电桩？"),
    ("据2025年政府工作报告，城镇新增就业有多少人？", [], "城镇新增就业有多少人？"),
    ("二十大报告里提到的长江禁渔期是多少年？", ["二十大"], "长江禁渔期是多少年？"),
    ("副区长述职报告说，区里建成了几个和谐示范社区？", [], "副区长 区里建成了几个和谐示范社区？"),
    ("In the 2026 Beijing government work report, how many charging piles are planned?", ["beijing"],
     "how many charging piles are planned?"),
    ("According to the 2025 Sichuan report, what was the GDP growth rate?", ["sichuan"],
     "what was the GDP growth rate?"),
])
def test_the_source_a_question_names_is_left_out(question, places, subject):
    assert subject_text(question, places) == subject


@pytest.mark.parametrize("question", ["2024年政府工作报告", "报告", "北京市"])
def test_a_question_that_is_all_source_stays_whole(question):
    assert subject_text(question, ["北京市"]) == question


def test_years_can_stay():
    assert subject_text("2024年粮食产量是多少？", [], years=False) == "2024年粮食产量是多少？"
