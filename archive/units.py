"""The units and measure words reports count in, as written then and now, and their canonical form.

General report vocabulary only (what a statistical bulletin or a work report counts in), never
a word taken from a question. Old and traditional forms map to today's unit: 公尺 is 米,
立方公尺 is 立方米, 噸 is 吨, 瓩 is 千瓦.
"""

from __future__ import annotations

# Canonical unit -> the ways reports write it (traditional forms, full-width, older names, English).
UNITS: dict[str, tuple[str, ...]] = {
    # rates
    "%": ("%", "％", "percent", "per cent"),
    "‰": ("‰",),
    "个百分点": ("个百分点", "個百分點", "百分点", "百分點", "percentage points", "percentage point"),
    "倍": ("倍",),
    # money
    "元": ("元", "yuan"),
    "美元": ("美元", "US dollars", "dollars"),
    "欧元": ("欧元", "歐元"),
    "港元": ("港元", "港币", "港幣"),
    # people and households
    "人次": ("人次", "passenger trips", "person-times", "visits"),
    "人": ("人", "people", "persons"),
    "名": ("名",),
    "位": ("位",),
    "户": ("户", "戶", "households"),
    "岁": ("岁", "歲"),
    # measure words
    "个": ("个", "個"),
    "家": ("家", "enterprises", "companies"),
    "所": ("所", "schools"),
    "套": ("套", "units"),
    "项": ("项", "項", "projects"),
    "条": ("条", "條"),
    "场次": ("场次", "場次"),
    "场": ("场", "場"),
    "架次": ("架次",),
    "班次": ("班次",),
    "车次": ("车次", "車次"),
    "辆次": ("辆次", "輛次"),
    "次": ("次",),
    "起": ("起",),
    "株": ("株",),
    "棵": ("棵",),
    "组": ("组", "組"),
    "处": ("处", "處"),
    "座": ("座",),
    "台": ("台", "臺"),
    "辆": ("辆", "輛", "vehicles"),
    "张": ("张", "張", "beds"),
    "件": ("件",),
    "种": ("种", "種"),
    "批次": ("批次",),
    "批": ("批",),
    "支": ("支",),
    "块": ("块", "塊"),
    "头": ("头", "頭", "head of livestock"),
    "只": ("只", "隻"),
    "羽": ("羽",),
    "匹": ("匹",),
    "架": ("架",),
    "艘": ("艘", "ships", "vessels"),
    "枚": ("枚",),
    "颗": ("颗", "顆"),
    "宗": ("宗",),
    "例": ("例",),
    "篇": ("篇",),
    "册": ("册", "冊"),
    "间": ("间", "間"),
    "栋": ("栋", "棟"),
    "盏": ("盏", "盞"),
    "箱": ("箱",),
    "部": ("部",),
    "标准箱": ("标准箱", "標準箱", "标箱", "TEU"),
    # length, area, volume, mass, transport work
    "吨公里": ("吨公里", "噸公里"),
    "人公里": ("人公里",),
    "吨海里": ("吨海里", "噸海里"),
    "人海里": ("人海里",),
    "公里": ("公里", "千米", "km", "kilometres", "kilometers"),
    "米": ("米", "公尺", "metres", "meters"),
    "平方公里": ("平方公里", "平方千米", "square kilometres", "square kilometers"),
    "平方米": ("平方米", "平米", "平方公尺", "㎡", "square metres", "square meters"),
    "亩": ("亩", "畝", "市亩", "市畝"),
    "公顷": ("公顷", "公頃", "hectares"),
    "立方米": ("立方米", "立方公尺", "方", "cubic metres", "cubic meters"),
    "吨标准煤": ("吨标准煤", "噸標準煤"),
    "载重吨": ("载重吨", "載重噸"),
    "吨": ("吨", "噸", "公吨", "公噸", "tons", "tonnes"),
    "公斤": ("公斤", "千克", "kg"),
    # concentrations (air quality: 细颗粒物年均浓度29微克/立方米)
    "微克/立方米": ("微克/立方米", "微克每立方米", "μg/m³", "μg/m3"),
    "担": ("担", "擔", "市担", "市擔"),
    "斤": ("斤", "市斤"),
    # energy and power
    "千瓦时": ("千瓦时", "千瓦時", "kWh"),
    "千瓦": ("千瓦", "瓩"),
    "马力": ("马力", "馬力"),
    "千伏": ("千伏", "kV"),
    "度": ("度",),
    # durations (年 only when the number is not a year)
    "年": ("年",),
    "个月": ("个月", "個月"),
    "天": ("天",),
    "小时": ("小时", "小時"),
}
# Things counted one by one: "how much" (money, land, grain, power) is never answered in these.
COUNT_UNITS = frozenset({
    "人", "人次", "名", "位", "户", "个", "家", "所", "套", "项", "条", "场次", "场", "架次", "班次", "车次", "辆次",
    "次", "起", "株", "棵", "组", "处", "座", "台", "辆", "张", "件", "种", "批次", "批", "支", "块",
    "头", "只", "羽", "匹", "架", "艘", "枚", "颗", "宗", "例", "篇", "册", "间", "栋", "盏", "箱", "标准箱", "部",
})
# Units that measure the same thing: grain asked in 斤 is answered in 吨 as well.
DIMENSIONS = (
    frozenset({"吨", "斤", "公斤", "担"}),
    frozenset({"公里", "米"}),
    frozenset({"平方米", "平方公里", "亩", "公顷"}),
    frozenset({"元", "美元", "欧元", "港元"}),
)
SAME_DIMENSION = {unit: dim for dim in DIMENSIONS for unit in dim}
# How long something took ("how long", 多久): 8年之久, not 24小时 for "how many parks opened".
DURATION_UNITS = ("年", "个月", "天", "小时")
# A unit character that starts a longer word is not a unit: 两千三百万台湾, 2900多万家庭.
NOT_BEFORE: dict[str, str] = {
    "台": "湾灣州", "家": "庭乡鄉长長属屬", "所": "有属屬以在谓謂", "名": "单單称稱义義",
    "处": "理于於", "种": "植类類子", "位": "于於置列", "条": "件例款", "起": "来來步草码",
    "只": "有要是能", "度": "假过", "头": "脑部", "支": "持出付柱", "场": "所景合", "米": "饭",
    "元": "旦素", "间": "隔接", "部": "门門分署长長委队隊位件", "方": "面式法向案针針便位",
    "匹": "配", "羽": "毛绒絨", "枚": "举舉", "箱": "包", "担": "任保当當心",
}  # fmt: skip
