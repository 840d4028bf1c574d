"""Evaluation harness: a synthetic policy FAQ, resident-style paraphrases, and real uncovered questions."""

from __future__ import annotations

import csv
import random
import time
from collections import Counter
from datetime import date
from pathlib import Path

from knowledge_base.matcher import ANSWER, MENU, FaqDoc, FaqIndex, Thresholds

SUBJECTS = """居住证 低保 高龄津贴 城乡居民医保 职工医保 异地就医备案 城乡居民养老保险 养老金资格认证 老年优待卡 残疾证
残疾人两项补贴 临时救助 特困供养 公租房 廉租房 共有产权房 租房备案 房屋租赁登记 装修备案 犬只登记 犬只年检
电动车充电桩 小区停车证 路侧停车月卡 新能源车充电补贴 垃圾分类积分 大件垃圾清运 无犯罪记录证明 居住证明 亲属关系证明
出生医学证明 新生儿落户 新生儿医保参保 生育津贴 生育登记 独生子女父母奖励 失业登记 失业保险金 就业困难人员认定
灵活就业社保补贴 创业担保贷款 技能培训补贴 高校毕业生就业补贴 退役军人优待证 退役军人安置 优抚对象补助 法律援助
人民调解 社区矫正报到 流动人口登记 身份证办理 临时身份证 户口迁移 户口本补办 集体户口 结婚登记 离婚登记 婚姻状况证明
社保卡 医保电子凭证 门诊慢特病待遇 大病保险 长期护理保险 家庭医生签约 儿童预防接种 流感疫苗接种 老年人免费体检
两癌筛查 义务教育入学 幼儿园入园 学生资助 助学贷款 高龄老人助餐补贴 居家养老服务补贴 养老机构入住 适老化改造
老旧小区改造 加装电梯 维修资金使用 物业服务投诉 业主委员会备案 房屋产权证 不动产登记 公积金提取 公积金贷款 住房补贴
燃气开户 水电费缴纳 供暖报停 供暖费补贴 消防设施检查 占道经营许可 户外广告审批 个体工商户注册 食品经营许可 营业执照变更
社区活动室借用 老年大学报名 志愿者注册 无偿献血 献血费用返还 殡葬补贴 丧葬费领取 遗属补助 孤儿基本生活费 困境儿童补助
重度残疾人护理补贴 残疾人机动车燃油补贴 盲人按摩执业 精神障碍患者监护补贴 低收入家庭认定 住房救助 医疗救助 教育救助
冬季取暖补贴 粮油补贴 计生特扶金 婚前医学检查 门牌号申请 房屋安全鉴定 地名证明 临时占道施工许可 绿化树木修剪 燃气安全检查
文明家庭评选""".split()

# aspect -> (FAQ phrasing, resident paraphrases the FAQ never contains)
ASPECTS = [
    ("{t}怎么申请？", ["{t}咋申请啊", "想申请{t}要怎么弄", "申请{t}流程是啥", "我要申请{t}怎么搞"]),
    ("办理{t}需要准备哪些材料？", ["{t}要带啥资料", "办{t}需要啥东西", "申请{t}准备什么材料", "{t}材料有哪些"]),
    ("{t}在哪里办理？", ["{t}去哪办", "到哪里办{t}", "{t}在什么地方办", "{t}哪儿能办"]),
    ("{t}办理需要多长时间？", ["{t}多久能办好", "{t}几天能办下来", "办{t}要多长时间", "{t}办下来要多久"]),
    ("办理{t}收费吗？", ["办{t}要钱吗", "{t}要不要交钱", "{t}收不收费", "办个{t}花多少钱"]),
    ("{t}可以网上办理吗？", ["{t}能在手机上办吗", "{t}线上能办不", "{t}能不能网上办", "网上可以办{t}吗"]),
    ("申请{t}需要满足什么条件？", ["什么人可以申请{t}", "{t}有什么条件", "{t}申请条件", "我能不能申请{t}"]),
    ("{t}的咨询电话是多少？", ["{t}打什么电话问", "{t}电话多少", "咨询{t}找哪个电话", "{t}联系方式"]),
    ("{t}可以委托他人代办吗？", ["{t}能让家人帮我办吗", "{t}可以找人代办不", "{t}能代办吗", "别人能帮我办{t}吗"]),
    ("{t}审核不通过怎么办？", ["{t}没审核通过咋办", "{t}没通过怎么办", "{t}被驳回了怎么处理", "{t}审核没过怎么弄"]),
    ("外地户籍可以申请{t}吗？", ["外地人能申请{t}吗", "不是本地户口能办{t}吗", "外地户口可以办{t}不", "非本地户籍能申请{t}吗"]),
    ("{t}信息填错了如何变更？", ["{t}信息错了咋改", "{t}填错了怎么修改", "{t}信息怎么变更", "{t}信息有误怎么改"]),
    ("{t}的政策依据是什么？", ["{t}是根据哪个文件", "{t}依据哪个政策", "{t}有啥政策依据", "{t}按什么规定执行"]),
    ("{t}办理进度怎么查询？", ["{t}办到哪一步了怎么查", "怎么查{t}进度", "{t}进度在哪看", "{t}办好了没怎么查"]),
    ("{t}每年什么时候发放？", ["{t}啥时候发", "{t}几号到账", "{t}什么时候能领到", "{t}发放时间"]),
    ("{t}的标准是多少？", ["{t}一个月给多少", "{t}能领多少钱", "{t}标准多少", "{t}有多少"]),
]
# Written after the synonym table was fixed and never used for tuning: the honest held-out paraphrases.
FRESH = [
    ["{t}这个怎么去申请", "请教一下{t}的申请办法"],
    ["{t}得交哪些材料", "{t}要提供什么证明材料"],
    ["{t}到哪个窗口办", "{t}办理地点在哪里"],
    ["{t}一般多少天办完", "{t}办理周期多长"],
    ["{t}办理要不要费用", "{t}是免费的吗"],
    ["{t}支持网上申请吗", "{t}在网上怎么办理"],
    ["{t}需要什么条件才能申请", "符合什么条件能办{t}"],
    ["{t}的电话是多少", "{t}咨询电话"],
    ["{t}本人不方便能委托别人办吗", "{t}可以让子女代办吗"],
    ["{t}审核不通过了怎么办", "{t}申请被驳回怎么办"],
    ["外地户口的能申请{t}吗", "外省户籍可以办{t}吗"],
    ["{t}信息写错了怎么更改", "{t}的信息如何修改"],
    ["{t}是依据什么政策", "{t}的政策文件是哪个"],
    ["{t}办理进度在哪查", "怎样查询{t}的进度"],
    ["{t}什么时间发放", "{t}每年几月发"],
    ["{t}标准是多少钱", "{t}每月多少钱"],
]
GREETINGS = ["", "", "你好，", "您好，请问", "请问", "领导好，", "在吗？", "你好，我想问一下", "麻烦问下，", "同志你好，"]
ENDINGS = ["", "", "", "？", "？？", "，谢谢", "，谢谢！", "呢", "啊", "。麻烦回复一下"]
TYPOS = {"办": "半", "理": "里", "证": "正", "请": "清", "需": "须", "料": "了", "续": "继", "保": "宝", "养": "样", "补": "不",
         "贴": "帖", "登": "等", "记": "纪", "费": "废", "查": "察", "询": "寻", "条": "调", "件": "见", "户": "护", "籍": "及"}


def synthetic_faq(n: int = 2000, *, seed: int = 7, places: int = 1) -> list[tuple[FaqDoc, int]]:
    """`n` entries as (doc, aspect index); with places > 1 subjects are repeated per 街道 for big benchmarks."""
    rng = random.Random(seed)
    combos = [(s, a, p) for p in range(places) for s in SUBJECTS for a in range(len(ASPECTS))]
    rng.shuffle(combos)
    out = []
    for i, (subject, a, p) in enumerate(combos[:n]):
        t = subject if places == 1 else f"第{p + 1}街道{subject}"
        q = ASPECTS[a][0].format(t=t)
        out.append((FaqDoc(code=f"S{i:05d}", question=q, answer=f"关于{t}的答复（合成数据）。", category=t), a))
    return out


CONTEXTS = ["根据本市最新政策，", "本区常住居民", "我是退休职工，", "家里有老人，", "在街道居住满一年的居民", "按照2025年新规定，"]
TAILS = ["具体流程是怎样的？", "有哪些注意事项？", "需要本人到场吗？", ""]


def with_context(doc: FaqDoc, rng: random.Random) -> FaqDoc:
    """The same entry worded like an official FAQ: context before the question, a second ask after it."""
    question = rng.choice(CONTEXTS) + doc.question.rstrip("？") + "，" + rng.choice(TAILS)
    return FaqDoc(doc.code, question, doc.answer, category=doc.category)


def paraphrase(doc: FaqDoc, aspect: int, rng: random.Random, *, fresh: bool = False) -> str:
    """A resident-style rewording: another phrasing, greeting, ending, sometimes a typo."""
    subject = doc.category or ""
    text = rng.choice(FRESH[aspect] if fresh else ASPECTS[aspect][1]).format(t=subject)
    if rng.random() < 0.3:
        positions = [i for i, ch in enumerate(text) if ch in TYPOS]
        if positions:
            i = rng.choice(positions)
            text = text[:i] + TYPOS[text[i]] + text[i + 1 :]
    return rng.choice(GREETINGS) + text + rng.choice(ENDINGS)


def real_questions(path: str | Path | None) -> list[str]:
    """Real consultation texts (type 咨询) from the messages CSV, read at evaluation time and never stored."""
    if not path or not Path(path).exists():
        return []
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [r["text"] for r in csv.DictReader(f) if r.get("type") == "咨询" and r.get("text")]


def load_demo_docs() -> list[FaqDoc]:
    from knowledge_base.files import read_rows

    rows, _ = read_rows(Path(__file__).parent / "data" / "demo_faq.csv")
    return [FaqDoc(code=r["code"], question=r["question"], answer=r["answer"], alternatives=tuple(r["alternatives"]),
                   keywords=tuple(r["keywords"]), category=r["category"], source=r["source"]) for _, r in rows]


def score_covered(index: FaqIndex, queries: list[tuple[str, str]], today: date) -> dict:
    counts = Counter()
    mistakes = []
    for text, code in queries:
        m = index.match(text, today=today)
        if m.outcome == ANSWER:
            counts["correct" if m.code == code else "wrong"] += 1
            if m.code != code:
                mistakes.append((text, code, m.code, m.score))
        elif m.outcome == MENU:
            counts["menu_hit" if code in m.menu_codes else "menu_miss"] += 1
        else:
            counts["unknown"] += 1
    n = max(len(queries), 1)
    return {"queries": len(queries), **{k: round(v / n, 4) for k, v in sorted(counts.items())},
            "examples_wrong": mistakes[:5]}


def score_uncovered(index: FaqIndex, texts: list[str], today: date) -> dict:
    counts = Counter(index.match(t, today=today).outcome for t in texts)
    answered = [t for t in texts[:0]]
    n = max(len(texts), 1)
    return {"queries": len(texts), **{k: round(v / n, 4) for k, v in sorted(counts.items())}, "examples": answered}


def run(*, entries: int = 2000, messages_path: str | None = None, seed: int = 7,
        thresholds: Thresholds | None = None, per_entry: int = 3) -> dict:
    """All figures: synthetic covered paraphrases, held-out synthetic entries, real uncovered questions."""
    rng = random.Random(seed)
    today = date.today()
    faq = synthetic_faq(entries, seed=seed)
    held_out = {doc.code for doc, _ in faq[: len(faq) // 10]}  # 10% of entries left out of the index
    import jieba

    jieba.initialize()  # the dictionary load is once per process, not part of a build
    t0 = time.perf_counter()
    index = FaqIndex.build([d for d, _ in faq if d.code not in held_out], thresholds)
    build_s = time.perf_counter() - t0
    covered = [(paraphrase(d, a, rng), d.code) for d, a in faq if d.code not in held_out for _ in range(per_entry)]
    fresh = [(paraphrase(d, a, rng, fresh=True), d.code) for d, a in faq if d.code not in held_out]
    missing = [paraphrase(d, a, rng) for d, a in faq if d.code in held_out for _ in range(per_entry)]
    real = real_questions(messages_path)
    demo = FaqIndex.build(load_demo_docs(), thresholds)
    t0 = time.perf_counter()
    report = {
        "synthetic_faq_entries": len(index),
        "build_seconds": round(build_s, 2),
        "covered_paraphrases": score_covered(index, covered, today),
        "covered_fresh_paraphrases": score_covered(index, fresh, today),
        "uncovered_heldout_entries": score_uncovered(index, missing, today),
        "uncovered_real_vs_synthetic": score_uncovered(index, real, today),
        "uncovered_real_vs_demo": score_uncovered(demo, real, today),
    }
    official = FaqIndex.build([with_context(d, rng) for d, _ in faq if d.code not in held_out], thresholds)
    report["covered_fresh_vs_official_wording"] = score_covered(official, fresh, today)
    report["match_seconds_total"] = round(time.perf_counter() - t0, 2)
    return report


def sweep(*, entries: int = 2000, messages_path: str | None = None, seed: int = 7, per_entry: int = 3) -> list[dict]:
    """Try answer/margin cut-offs on one set of scored queries; rows with wrong and uncovered-answer rates."""
    rng = random.Random(seed)
    today = date.today()
    faq = synthetic_faq(entries, seed=seed)
    held_out = {doc.code for doc, _ in faq[: len(faq) // 10]}
    loose = Thresholds(answer=0.0, margin=0.0, menu=0.0)
    index = FaqIndex.build([d for d, _ in faq if d.code not in held_out], loose)
    demo = FaqIndex.build(load_demo_docs(), loose)

    def top2(idx, text):
        m = idx.match(text, today=today)
        c = m.candidates
        return (c[0].code if c else None, c[0].score if c else 0.0, c[1].score if len(c) > 1 else 0.0)

    covered = [(top2(index, paraphrase(d, a, rng)), d.code) for d, a in faq if d.code not in held_out for _ in range(per_entry)]
    missing = [top2(index, paraphrase(d, a, rng)) for d, a in faq if d.code in held_out for _ in range(per_entry)]
    real = [top2(demo, t) for t in real_questions(messages_path)] + [top2(index, t) for t in real_questions(messages_path)]
    rows = []
    for answer in [x / 100 for x in range(50, 96, 3)]:
        for margin in (0.0, 0.03, 0.05, 0.08, 0.12, 0.16, 0.2):
            def ok(b, r):
                return b >= answer and b - r >= margin
            correct = sum(ok(b, r) and c == code for (c, b, r), code in covered) / len(covered)
            wrong = sum(ok(b, r) and c != code for (c, b, r), code in covered) / len(covered)
            miss = sum(ok(b, r) for _, b, r in missing) / max(len(missing), 1)
            realans = sum(ok(b, r) for _, b, r in real) / max(len(real), 1)
            rows.append({"answer": answer, "margin": margin, "correct": round(correct, 4), "wrong": round(wrong, 4),
                         "heldout_answered": round(miss, 4), "real_answered": round(realans, 4)})
    return rows


# ---- a second, more realistic set: an official-style FAQ and resident queries written independently ----------
#
# The FAQ side is worded like a government FAQ (long, specific questions, official words: 申领、办结、受理、
# 所需材料), spread over many services and departments, with some near-twins (条件 / 材料 / 流程 of one service)
# and some entries that ask two things. The resident side is a separate generator with its own vocabulary;
# its rules are split into TRAIN (may be used for tuning) and TEST (never looked at while tuning).

EXTRA_SERVICES = """出入境证件 港澳通行证 护照 驾驶证换证 机动车年检 残疾人就业补贴 高龄老人意外保险 困难职工帮扶 农民工工资拖欠投诉
劳动仲裁 工伤认定 职业资格证书 人才公寓 人才引进落户 子女随迁入学 随军家属安置 房屋征收补偿 宅基地审批 农村危房改造
住房公积金异地转移 城市低保边缘家庭认定 残疾儿童康复救助 老年人助浴服务 社区食堂 家庭养老床位 特殊困难老人探访 电梯维保投诉
噪音扰民投诉 违章建筑举报 群租房整治 燃气报警器安装 防汛物资领取 疫苗接种证明 母婴室建设 育儿补贴 托育补贴 三孩生育补贴""".split()

# aspect -> official templates ({t} the service; {w} who asks, often empty)
OFFICIAL = {
    "条件": ["{w}申请{t}需要满足哪些条件？", "{w}申领{t}应当具备什么条件？", "{t}的申请条件是什么？", "符合什么条件的{w}可以办理{t}？"],
    "对象": ["{t}的适用对象有哪些？", "哪些人员可以享受{t}政策？", "{t}的保障对象范围是什么？"],
    "材料": ["办理{t}需要提交哪些材料？", "{w}申请{t}应提供哪些证明材料？", "{t}申请所需材料清单是什么？", "申领{t}需要携带哪些证件？"],
    "流程": ["{t}的办理流程是什么？", "{w}如何申请{t}？", "{t}怎样办理？具体步骤有哪些？", "{t}的申办程序是怎样的？"],
    "地点": ["{t}在哪里办理？", "{t}的受理地点在哪里？", "{w}到哪个部门申请{t}？", "{t}的办理窗口设在什么地方？"],
    "时限": ["{t}的办理时限是多久？", "申请{t}后多长时间可以办结？", "{t}从受理到办结需要几个工作日？"],
    "费用": ["办理{t}是否收取费用？", "{t}需要缴纳哪些费用？", "申请{t}要交费吗？"],
    "标准": ["{t}的发放标准是多少？", "{t}的补贴标准是怎样规定的？", "{t}每月能领取多少钱？"],
    "发放": ["{t}什么时候发放？", "{t}每月几号发放到账？", "{t}通过什么方式发放？"],
    "网办": ["{t}可以在网上办理吗？", "{t}是否支持线上申请？", "能否通过政务服务网办理{t}？"],
    "代办": ["{t}能否委托他人代为办理？", "{w}本人行动不便，{t}可以由家属代办吗？"],
    "电话": ["{t}的咨询电话是多少？", "对{t}有疑问可以拨打哪个电话咨询？"],
    "依据": ["{t}的政策依据是什么？", "{t}是依据哪个文件执行的？"],
    "进度": ["如何查询{t}的办理进度？", "{t}提交申请后怎样查询审批结果？"],
    "有效期": ["{t}的有效期是多久？到期后如何续办？", "{t}过期了还能用吗？"],
    "变更": ["{t}登记信息有误如何变更？", "{t}的信息发生变化需要办理变更吗？"],
    "遗失": ["{t}遗失了怎么补办？", "{t}损坏或丢失后如何申请补领？"],
    "不通过": ["{t}申请未通过审核怎么办？", "对{t}审核结果有异议如何申请复核？"],
    "外地": ["外地户籍人员能否在本市申请{t}？", "非本市户籍的{w}可以办理{t}吗？"],
}
WHO = ["", "", "", "本市户籍居民", "本区常住人员", "个人", "老年人", "困难家庭"]
SECOND_ASK = {"流程": "如何申请？", "材料": "需要带什么材料？", "地点": "在哪里办？", "时限": "多久能办好？"}

# Resident wording of each aspect. TRAIN may be used for tuning; TEST is for the final figures only.
RESIDENT_TRAIN = {
    "条件": ["{t}要啥条件", "我能办{t}吗", "{t}有什么要求", "什么人能申请{t}"],
    "对象": ["{t}是给哪些人的", "{t}谁能享受", "{t}针对什么人"],
    "材料": ["{t}要带啥", "办{t}要啥资料", "{t}得准备什么材料", "{t}材料"],
    "流程": ["{t}咋办", "{t}怎么弄", "想办{t}怎么走流程", "{t}怎么申请"],
    "地点": ["{t}去哪办", "{t}在哪儿办", "到哪里弄{t}"],
    "时限": ["{t}多久能办好", "{t}要几天", "{t}办下来要多长时间"],
    "费用": ["办{t}要钱吗", "{t}收费吗", "{t}花多少钱"],
    "标准": ["{t}给多少钱", "{t}一个月多少", "{t}能领多少"],
    "发放": ["{t}啥时候发", "{t}几号到账", "{t}什么时候打钱"],
    "网办": ["{t}能在手机上办吗", "{t}网上能办不", "{t}线上办"],
    "代办": ["{t}能让家里人代办吗", "{t}别人能帮我办吗", "{t}可以找人代办不"],
    "电话": ["{t}电话多少", "{t}打哪个电话问"],
    "依据": ["{t}按什么文件", "{t}有啥政策依据"],
    "进度": ["{t}办到哪一步了怎么查", "{t}进度在哪看"],
    "有效期": ["{t}能用多久", "{t}过期了咋办"],
    "变更": ["{t}信息填错了咋改", "{t}信息要改怎么办"],
    "遗失": ["{t}丢了咋办", "{t}弄丢了怎么补"],
    "不通过": ["{t}没通过咋办", "{t}被驳回了怎么弄"],
    "外地": ["外地人能办{t}吗", "外地户口能申请{t}不"],
}
RESIDENT_TEST = {
    "条件": ["办{t}有啥门槛", "{t}需要符合啥条件啊", "我这情况够不够申请{t}"],
    "对象": ["{t}哪些人能领", "{t}适用哪些人"],
    "材料": ["{t}需要提供哪些东西", "{t}要拿什么证件去", "申请{t}要交啥材料"],
    "流程": ["{t}怎么个办法", "{t}具体咋申请", "申请{t}的步骤"],
    "地点": ["{t}在哪个窗口办", "{t}上哪儿申请", "{t}哪里受理"],
    "时限": ["{t}大概几天能好", "{t}多长时间办完"],
    "费用": ["{t}要不要交费", "{t}免费吗", "{t}收不收钱"],
    "标准": ["{t}一个月能拿多少钱", "{t}标准多少"],
    "发放": ["{t}每个月哪天发", "{t}啥时候到账"],
    "网办": ["{t}能不能网上申请", "{t}手机上怎么办"],
    "代办": ["{t}子女可以代办吗", "{t}本人去不了能代办吗"],
    "电话": ["{t}咨询电话", "{t}联系电话是多少"],
    "依据": ["{t}是根据哪个规定", "{t}政策文件是啥"],
    "进度": ["{t}审批到哪了怎么查", "查一下{t}进度"],
    "有效期": ["{t}有效期多久", "{t}到期了还要续吗"],
    "变更": ["{t}信息错了怎么变更", "{t}上的信息怎么修改"],
    "遗失": ["{t}掉了怎么补办", "{t}丢失了咋补领"],
    "不通过": ["{t}审核没过怎么办", "{t}没批下来咋整"],
    "外地": ["不是本地户口可以办{t}吗", "外省的能申请{t}吗"],
}
OPENERS_TRAIN = ["", "", "", "你好，", "请问", "您好，请问一下", "在吗，"]
OPENERS_TEST = ["", "", "", "领导好，", "同志你好，想问下", "麻烦问一下，", "我爸85了，", "家里老人问", "我刚退休，"]
CLOSERS_TRAIN = ["", "", "？", "，谢谢", "啊"]
CLOSERS_TEST = ["", "", "？？", "。麻烦回复", "呢", "，急"]
TYPOS_TEST = {"办": "半", "证": "正", "请": "清", "需": "须", "料": "了", "保": "宝", "补": "不", "贴": "帖", "登": "等",
              "费": "废", "查": "察", "件": "见", "户": "护", "领": "令", "申": "伸", "发": "法", "钱": "前", "助": "住"}


# A third resident generator, written before any TEST miss was looked at and after the matcher it was first
# scored on was committed (commit "RESIDENT_FRESH"): its own wording per aspect, openers (personas: 俺家老人、
# 我妈今年78了), closers, typo table (pinyin homophones, sometimes two in one query) and 那个 before the service.
# Never used for tuning: the honest held-out figure. Do not edit it to follow the matcher.
RESIDENT_FRESH = {
    "条件": ["俺这种情况能不能办{t}", "{t}需要啥资格", "办{t}有没有啥限制", "啥样的人才能办{t}"],
    "对象": ["{t}是针对啥人的", "{t}都谁能享受", "哪类人能领{t}"],
    "材料": ["办{t}都要带些啥", "{t}需要啥手续", "去办{t}要准备哪些证件", "{t}得拿啥过去"],
    "流程": ["想办那个{t}咋弄", "{t}该怎么去办", "{t}办理要走啥流程", "{t}从哪开始办"],
    "地点": ["{t}到哪去办", "{t}在哪办理啊", "办{t}找哪个部门"],
    "时限": ["{t}要等多久", "{t}几个工作日能下来", "{t}多长时间能批"],
    "费用": ["办{t}要花钱不", "{t}要收钱吗", "{t}得交多少钱"],
    "标准": ["{t}每个月发多少", "{t}一年能拿多少钱", "{t}补多少钱"],
    "发放": ["{t}一般几号发", "{t}钱啥时候能到账", "{t}是每月发还是按季度发"],
    "网办": ["{t}能在网上弄吗", "{t}可以用手机办吗", "{t}有没有网上办的渠道"],
    "代办": ["{t}能不能让儿子帮着办", "老人行动不便{t}能找人代办不", "{t}我本人来不了家属能办吗"],
    "电话": ["{t}有没有咨询电话", "{t}打啥电话能问清楚", "{t}的热线是多少"],
    "依据": ["{t}是哪个文件规定的", "{t}有文件依据吗"],
    "进度": ["{t}交上去了怎么看进度", "{t}批下来没有在哪查"],
    "有效期": ["{t}管几年", "{t}过期了还能用吗", "{t}到期了怎么续"],
    "变更": ["{t}上面信息不对咋改", "{t}登记的信息要变更咋弄"],
    "遗失": ["{t}找不到了咋补", "{t}丢了能补办吗"],
    "不通过": ["{t}没批下来怎么办", "{t}申请被退回来了咋弄", "{t}审核没通过还能再申请吗"],
    "外地": ["外地户口在这能办{t}吗", "我户口不在本地能申请{t}不"],
}
OPENERS_FRESH = ["", "", "", "俺家老人想问问，", "我妈今年78了，", "帮家里老爷子问下，", "你好我想咨询个事，", "社区的同志你好，",
                 "不好意思打扰下，", "我是新搬来的，"]
CLOSERS_FRESH = ["", "", "？", "。。", "，谢谢啦", "，在线等", "，多谢", "啊？"]
TYPOS_FRESH = {"证": "症", "保": "包", "医": "衣", "险": "显", "津": "今", "龄": "玲", "残": "惨", "低": "底", "养": "氧",
               "房": "防", "户": "互", "籍": "急", "材": "才", "申": "身", "请": "情", "领": "灵", "代": "带", "交": "教",
               "话": "画", "登": "灯", "记": "计", "补": "捕", "贴": "铁", "办": "伴", "理": "礼", "业": "页", "就": "旧"}

# A fourth resident generator (branch faq-recall-2), written before any FRESH query or miss was looked at and
# scored once on the matcher as it stood (commit "RESIDENT_FOURTH"). It tries to be unlike the other three:
# 咱/俺 and northern/southern particles (嘞、噻、哈、不), 那个啥 and 就是那个 before the name, 是不是要 / 非得 / 行不,
# the aspect said before the service ("啥时候发{t}"), stories before the question (我刚从外地搬来，…), names cut
# at the end as well as the start (残疾人两项补贴 -> 两项补贴, 犬只登记 -> 犬只), two-part questions when the entry
# answers two things, and a typo table that also has a few non-homophones of dialect speakers (f/h, n/l, en/eng).
# NEVER used for tuning: the honest held-out figure. Do not edit it to follow the matcher.
RESIDENT_FOURTH = {
    "条件": ["{t}门槛高不高", "{t}要够啥条件", "像俺这样的能弄{t}不", "{t}是不是谁都能办", "啥条件才给办{t}"],
    "对象": ["{t}是给啥样的人的", "{t}管哪些人", "俺们这号人能享受{t}不", "{t}照顾的是哪些人"],
    "材料": ["{t}要拿啥东西去", "{t}需要带啥证件不", "办{t}是不是要带户口本身份证啥的", "{t}得备齐哪些材料", "去弄{t}手续要些啥"],
    "流程": ["{t}到底咋个办法", "{t}第一步干啥", "{t}这个要咋弄才行", "想弄个{t}，咋整", "{t}办的流程跟我说下"],
    "地点": ["{t}去哪儿弄", "{t}找哪个地方办", "办{t}上哪去", "{t}在哪个大厅办", "去哪办{t}"],
    "时限": ["{t}交了材料多久有结果", "{t}得等几天", "{t}多长时间能弄好", "多久能办下来{t}"],
    "费用": ["{t}要不要掏钱", "{t}是不是要交钱", "弄{t}得花多少", "{t}收不收钱的"],
    "标准": ["{t}一个月能给多少", "{t}能发多少钱", "{t}一年补多少", "一个月多少钱{t}"],
    "发放": ["{t}钱啥时候给", "{t}每月啥时候打卡上", "{t}多会儿发", "啥时候发{t}"],
    "网办": ["{t}手机上能弄不", "{t}非得跑一趟吗，能不能网上弄", "{t}在网上咋申请", "{t}有没有线上的"],
    "代办": ["{t}俺去不了，让闺女去行不", "{t}能不能叫亲戚帮忙办", "{t}非得本人去吗，家里人代办行不行", "{t}可不可以委托别人"],
    "电话": ["{t}有电话能问不", "{t}问谁，给个电话", "{t}打哪个号码咨询"],
    "依据": ["{t}是按哪个政策来的", "{t}有红头文件不", "{t}出自哪个规定"],
    "进度": ["{t}申请好久了咋查进度", "{t}办得咋样了在哪能看", "{t}现在到哪一步了"],
    "有效期": ["{t}有效期是几年", "{t}能管多长时间", "{t}过期了咋整"],
    "变更": ["{t}上名字写错了咋弄", "{t}信息变了要去改吗", "{t}里面的信息咋更正"],
    "遗失": ["{t}搞丢了咋办", "{t}不见了能补不", "{t}坏了能换个新的不"],
    "不通过": ["{t}审核没给过咋办", "{t}申请被拒了咋整", "{t}没批准能复核不"],
    "外地": ["俺是外地的能办{t}不", "户口不在这边能弄{t}吗", "咱外省户口能申请{t}不"],
}
OPENERS_FOURTH = ["", "", "", "我刚从外地搬来，", "咱家老人身体不好，", "我是新来的不太懂，", "刚退休在家闲着，", "那个啥，",
                  "俺闺女让我问下，", "我在外面打工刚回来，", "孩子他爸让我问问，", "去年搬到咱小区的，", "哎同志，"]
CLOSERS_FOURTH = ["", "", "", "嘞", "哈", "噻", "，咋整", "，谢了哈", "，急用", "??", "，不晓得问谁", "，麻烦了哈", "不"]
TYPOS_FOURTH = {"证": "政", "保": "饱", "医": "依", "险": "线", "补": "布", "办": "扮", "申": "深", "请": "轻", "领": "岭",
                "津": "金", "户": "沪", "籍": "集", "居": "局", "住": "驻", "残": "蚕", "疾": "及", "低": "滴", "租": "组",
                "料": "廖", "材": "财", "费": "非", "钱": "潜", "登": "蹬", "记": "技", "业": "夜", "认": "任", "定": "订",
                # not homophones: dialect speakers' f/h, n/l and en/eng (the matcher compares pinyin, so these stay hard)
                "房": "黄", "年": "连", "生": "森"}
_NAME_SUFFIXES = ("补贴", "津贴", "补助", "登记", "证明", "办理", "申请", "服务", "认定", "许可", "审批", "报名")


def _fourth_name(t: str, rng: random.Random) -> str:
    """Residents say part of a name: the generic end dropped (犬只登记 -> 犬只) or the start (两项补贴)."""
    roll = rng.random()
    if roll < 0.15:
        for suffix in _NAME_SUFFIXES:
            if t.endswith(suffix) and len(t) - len(suffix) >= 3:
                return t[: -len(suffix)]
    if roll < 0.30 and len(t) >= 6:
        return t[-4:]
    return t


def _fourth_query(service: str, aspects: tuple[str, ...], rng: random.Random) -> str:
    name = _fourth_name(service, rng)
    first = rng.choice(aspects)
    template = rng.choice(RESIDENT_FOURTH[first])
    roll = rng.random()
    if roll < 0.12:
        template = template.replace("{t}", "那个啥{t}", 1)
    elif roll < 0.20:
        template = template.replace("{t}", "就是那个{t}", 1)
    elif roll < 0.30:
        template = template.replace("{t}", "咱这{t}", 1)
    text = template.format(t=name)
    others = [a for a in aspects if a != first]
    if others and rng.random() < 0.6:  # the entry answers two things: ask both ("…要带啥，在哪办")
        second = rng.choice(RESIDENT_FOURTH[others[0]]).format(t="").strip("，")
        text += rng.choice(["，", "，还有", "，另外", "？那"]) + second
    roll = rng.random()
    if roll < 0.4:
        text = _typo(text, TYPOS_FOURTH, rng)
    if roll < 0.1:
        text = _typo(text, TYPOS_FOURTH, rng)
    return rng.choice(OPENERS_FOURTH) + text + rng.choice(CLOSERS_FOURTH)


RULES = {"train": RESIDENT_TRAIN, "test": RESIDENT_TEST, "fresh": RESIDENT_FRESH, "fourth": RESIDENT_FOURTH}


def _typo(text: str, table: dict[str, str], rng: random.Random) -> str:
    positions = [i for i, ch in enumerate(text) if ch in table]
    if not positions:
        return text
    i = rng.choice(positions)
    return text[:i] + table[text[i]] + text[i + 1 :]


def _fresh_query(service: str, aspect: str, rng: random.Random) -> str:
    name = _short_name(service, rng)
    template = rng.choice(RESIDENT_FRESH[aspect])
    if rng.random() < 0.15 and "那个{t}" not in template:
        template = template.replace("{t}", "那个{t}", 1)
    text = template.format(t=name)
    roll = rng.random()
    if roll < 0.35:
        text = _typo(text, TYPOS_FRESH, rng)
    if roll < 0.10:
        text = _typo(text, TYPOS_FRESH, rng)
    return rng.choice(OPENERS_FRESH) + text + rng.choice(CLOSERS_FRESH)


def _short_name(t: str, rng: random.Random) -> str:
    """Residents shorten long service names (城乡居民医保 -> 居民医保, 高龄老人助餐补贴 -> 助餐补贴)."""
    if len(t) >= 6 and rng.random() < 0.3:
        return t[2:]
    return t


def official_faq(n: int = 2000, *, seed: int = 11) -> list[tuple[FaqDoc, tuple[str, ...]]]:
    """About `n` official-style entries as (doc, aspects it answers): each service gets a random subset of aspects."""
    rng = random.Random(seed)
    services = SUBJECTS + EXTRA_SERVICES
    per = max(1, round(n / len(services)))
    out: list[tuple[FaqDoc, tuple[str, ...]]] = []
    for t in services:
        aspects = rng.sample(list(OFFICIAL), min(len(OFFICIAL), max(2, per + rng.randint(-6, 4))))
        for a in list(aspects):  # a second ask added below is not asked again on its own
            q = rng.choice(OFFICIAL[a]).format(t=t, w=rng.choice(WHO))
            covered = (a,)
            extra = [b for b in SECOND_ASK if b not in aspects and b != a]
            if extra and rng.random() < 0.15:  # "高龄津贴的发放标准是多少？如何申请？"
                b = rng.choice(extra)
                q += SECOND_ASK[b]
                covered = (a, b)
                aspects.append(b)
            code = f"G{len(out):05d}"
            out.append((FaqDoc(code=code, question=q, answer=f"关于{t}（{a}）的答复（合成数据）。", category=t), covered))
    return out[:n] if len(out) > n else out


def resident_query(service: str, aspect: str, rng: random.Random, *, test: bool = True, rules: str | None = None) -> str:
    """A resident's wording of (service, aspect), from the TRAIN, TEST or FRESH rules (`rules` wins over `test`)."""
    if rules == "fresh":
        return _fresh_query(service, aspect, rng)
    if rules == "fourth":
        return _fourth_query(service, (aspect,), rng)
    if rules is not None:
        test = rules == "test"
    rules = RESIDENT_TEST if test else RESIDENT_TRAIN
    text = rng.choice(rules[aspect]).format(t=_short_name(service, rng))
    if test and rng.random() < 0.3:
        positions = [i for i, ch in enumerate(text) if ch in TYPOS_TEST]
        if positions:
            i = rng.choice(positions)
            text = text[:i] + TYPOS_TEST[text[i]] + text[i + 1 :]
    openers, closers = (OPENERS_TEST, CLOSERS_TEST) if test else (OPENERS_TRAIN, CLOSERS_TRAIN)
    return rng.choice(openers) + text + rng.choice(closers)


def official_queries(faq, rng: random.Random, *, test: bool = True, per_entry: int = 2, rules: str | None = None):
    """(text, code) for covered entries and texts for the held-out 10% of entries."""
    held = {doc.code for doc, _ in faq[:: 10]}
    if rules == "fourth":  # the fourth generator sees all the aspects an entry answers (two-part questions)
        covered = [(_fourth_query(d.category, asp, rng), d.code) for d, asp in faq if d.code not in held
                   for _ in range(per_entry)]
        missing = [_fourth_query(d.category, asp, rng) for d, asp in faq if d.code in held for _ in range(per_entry)]
        return held, covered, missing
    covered = [(resident_query(d.category, rng.choice(asp), rng, test=test, rules=rules), d.code)
               for d, asp in faq if d.code not in held for _ in range(per_entry)]
    missing = [resident_query(d.category, rng.choice(asp), rng, test=test, rules=rules)
               for d, asp in faq if d.code in held for _ in range(per_entry)]
    return held, covered, missing


def run_official(*, entries: int = 2000, messages_path: str | None = None, seed: int = 11,
                 thresholds: Thresholds | None = None, per_entry: int = 2, test: bool = True,
                 rules: str | None = None) -> dict:
    """Figures on the official-style FAQ: covered and held-out resident queries, from `rules` ("train", "test" or
    "fresh" or "fourth"; without it TEST rules unless test=False)."""
    if rules is None:
        rules = "test" if test else "train"
    if rules not in RULES:
        raise ValueError(f"rules must be one of {sorted(RULES)}")
    rng = random.Random(seed)
    today = date.today()
    faq = official_faq(entries, seed=seed)
    held, covered, missing = official_queries(faq, rng, per_entry=per_entry, rules=rules)
    index = FaqIndex.build([d for d, _ in faq if d.code not in held], thresholds)
    return {
        "official_faq_entries": len(index),
        "rules": rules,
        "covered": score_covered(index, covered, today),
        "uncovered_heldout_entries": score_uncovered(index, missing, today),
        "uncovered_real_vs_official": score_uncovered(index, real_questions(messages_path), today),
    }
