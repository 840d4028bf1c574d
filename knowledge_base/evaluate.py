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
    """How questions the FAQ has no entry for were met; `examples` are the first five that were answered all the
    same, each with the entry that answered and its score: those are the wrong answers to read."""
    counts = Counter()
    answered = []
    for t in texts:
        m = index.match(t, today=today)
        counts[m.outcome] += 1
        if m.outcome == ANSWER:
            answered.append([t, m.code, round(m.score, 4)])
    n = max(len(texts), 1)
    return {"queries": len(texts), **{k: round(v / n, 4) for k, v in sorted(counts.items())}, "examples": answered[:5]}


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


# ---- a FIFTH, independent set: a different official FAQ AND a different resident generator -----------------------
#
# Written by someone who never opened the matcher (knowledge_base/matcher.py), service.py, docs/faq.md or the FAQ
# tests, and scored once on the matcher as it stood (commit "FAQ fifth set"). NEVER used for tuning: do not edit it
# to follow the matcher.
#
# Official side (official_faq_fifth): about 1,800 entries in the style of a real 12345 / 政务服务 knowledge base, not
# the OFFICIAL templates: ~115 services (many not in SUBJECTS), each with 1-5 situations (租房提取 / 购房提取 / 离职提取
# of 住房公积金提取; 被辞退 / 合同到期 / 主动辞职 of 失业保险金 ...) written as long formal conditions ("职工在本市无
# 自有住房且租房居住的，…"), crossed with 22 aspects whose wordings carry 是否/能否/可否, "关于…的问题", 窗口 names,
# deadlines, amounts and policy titles. One entry per (service, situation, aspect); the two service-wide aspects
# (依据, 电话) have no situation. So most entries have near-twins in the index: same service and aspect but another
# situation, or same situation and another aspect. Services overlap each other too (租房补贴 / 公租房 / 公积金租房提取).
#
# Resident side (_fifth_query): its own vocabulary: voice-input run-on text without punctuation and with fillers
# (那个 就是说 嗯), 西南/北方 dialect (啥子 咋个 晓得 得不得 中不中 莫得), pinyin/English letters (gjj, yb, sbk, app),
# long stories with irrelevant detail, wrong or partial service names (公基金, 失业费, 独子费), a second service mentioned
# in passing, polite and rude openers, homophone / flat-tongue / n-l / neighbouring-key typos, repeated punctuation.
#
# Held out: every 10th entry (faq[::10]) is left out of the index and queried the same way; an answer to such a query
# is an answer to an uncovered question, even when the index holds its near-twin.
#
# Run:  PYTHONPATH=. python -c "import json; from knowledge_base.evaluate import run_fifth; \
#           print(json.dumps(run_fifth(), ensure_ascii=False, indent=2))"
#   or: linli faq eval --no-official --fifth

from typing import NamedTuple


class FifthEntry(NamedTuple):
    """One official-style entry and what it answers: service (= doc.category), situation index or None, aspect."""

    doc: FaqDoc
    service: str
    situation: int | None
    aspect: str


# kind -> aspects that make sense per situation; every service also gets the service-wide 依据 and 电话
_FIFTH_POOLS = {
    "benefit": ["条件", "材料", "流程", "窗口", "时限", "期限", "标准", "发放", "网办", "代办", "次数", "进度", "异议", "异地",
                "停发", "同享"],
    "cert": ["条件", "材料", "流程", "窗口", "时限", "费用", "网办", "代办", "进度", "异议", "异地", "变更", "补办", "有效期"],
    "proc": ["条件", "材料", "流程", "窗口", "时限", "期限", "费用", "网办", "代办", "进度", "异议", "异地"],
    "ins": ["条件", "材料", "流程", "窗口", "期限", "费用", "标准", "网办", "代办", "进度", "异地", "停发"],
    "loan": ["条件", "材料", "流程", "窗口", "时限", "标准", "发放", "网办", "代办", "次数", "进度", "异议", "异地"],
    "case": ["条件", "流程", "窗口", "时限", "材料", "网办", "代办", "进度", "异议", "费用"],
}
_FIFTH_WIDE = ["依据", "电话"]
# an aspect is left out of a service whose situations already say it (婚姻登记's 补领 situation vs the 补办 aspect),
# so that no two entries answer the same question
_FIFTH_CLASH = {"补办": ("补", "遗失"), "有效期": ("到期", "期满", "延续", "换证", "年检", "签注", "过渡"),
                "变更": ("变更", "更正"), "代办": ("委托",),
                "异地": ("异地", "跨省", "外地", "转回", "随迁", "务工", "流浪", "迁移")}

# (category, official names "/", kind, resident names ",", situations "short|official clause|resident phrases /")
FIFTH_SERVICES: list[tuple[str, str, str, str, list[str]]] = [
    ("住房公积金提取", "住房公积金提取/提取住房公积金", "loan", "公积金,gjj,GJJ,公基金,提公积金,取公积金,住房公积金,公积金的钱", [
        "租房|职工在本市无自有住房且租房居住|在外面租房子住/每个月交房租/租的房子/房租太贵了",
        "购房|职工购买本市自住住房|刚买了套房/买房子付首付/买了个二手房/新房首付",
        "离职|职工与单位解除劳动关系且未再就业满半年|辞职大半年了/离职了一直没上班/厂里不干了",
        "退休|职工达到法定退休年龄办理退休手续后|退休了/到年龄退休了/刚办完退休",
        "还贷|职工偿还自住住房贷款本息|每个月还房贷/还银行贷款/房贷压力大"]),
    ("住房公积金贷款", "住房公积金贷款/公积金个人住房贷款", "loan", "公积金贷款,gjj贷款,公积金按揭,公基金贷款,公积金借钱买房", [
        "首套|缴存职工首次购买普通自住住房|第一套房/头一回买房",
        "二套|缴存职工家庭购买第二套改善型住房|第二套房/再买一套改善",
        "异地|在外省缴存公积金、在本市购房|在外省交的公积金在这边买房/异地交的公积金",
        "组合|公积金贷款额度不足需申请组合贷款|公积金不够想跟商贷一起/组合贷"]),
    ("住房公积金转移", "住房公积金转移接续/住房公积金账户转移", "proc", "公积金转移,gjj转过来,公积金转账户,公积金跟着走", [
        "跨省|职工从外省调入本市工作|从外省换工作过来/以前在外省交的",
        "市内|职工在本市范围内更换工作单位|换了家公司/跳槽了还在本市"]),
    ("租房补贴", "租房补贴/住房租赁补贴", "benefit", "租房补贴,房补,租房的补助,租金补贴,租补", [
        "毕业生|新就业的全日制高校毕业生在本市租房|刚毕业出来租房/大学毕业刚工作",
        "低收入|本市城镇中低收入住房困难家庭|家里收入低住房困难/屋头穷房子小",
        "人才|经认定的各类引进人才|人才引进过来的/评上人才了"]),
    ("公共租赁住房", "公共租赁住房/公租房", "benefit", "公租房,廉租房,政府的房子,保障房,gzf", [
        "户籍家庭|本市户籍住房困难家庭|本地户口住房困难/屋头几代人挤一起",
        "务工|在本市稳定就业的外来务工人员|外地来打工的/在这边上班的外地人"]),
    ("不动产登记", "不动产登记/不动产权证书办理", "cert", "房产证,房本,不动产证,产权证,红本,bdc", [
        "新房|购买新建商品房办理首次转移登记|新房交房了办证/开发商交房",
        "继承|因继承遗产取得房屋|老人走了房子要过户/继承的房子",
        "抵押|办理房屋抵押登记|房子拿去抵押/贷款要抵押",
        "更正|不动产登记簿记载事项错误需要更正|房本上写错了/面积登记错了"]),
    ("二手房过户", "存量房转移登记/二手房交易过户", "proc", "二手房过户,房子过户,卖房过户,过户手续,买二手房", [
        "全款|买卖双方全款交易|一次性付清的/全款买的",
        "贷款|房屋尚有银行贷款未结清|房子还有贷款没还完/带押过户",
        "赠与|直系亲属之间赠与房屋|父母把房子给孩子/送给子女"]),
    ("房屋租赁登记备案", "房屋租赁登记备案/租赁合同备案", "proc", "租房备案,租赁备案,合同备案,租房登记", []),
    ("住宅专项维修资金", "住宅专项维修资金使用/维修资金申请使用", "proc", "维修基金,维修资金,大修基金,wxjj", [
        "电梯|用于加装或更换电梯|换电梯/电梯老了要换",
        "漏水|用于屋面防水、外墙渗漏维修|楼顶漏水/外墙渗水"]),
    ("既有住宅加装电梯", "既有住宅加装电梯/老旧小区加装电梯", "benefit", "加装电梯,装电梯,老楼装电梯,加梯", [
        "补贴|申请加装电梯财政补贴|装电梯政府补多少",
        "意见|业主意见不一致|楼下住户不同意/有邻居反对"]),
    ("灵活就业人员参保", "灵活就业人员参加职工基本养老保险/灵活就业人员参保登记", "ins", "灵活就业社保,个人交社保,自由职业社保,自己交社保,sb个人交,灵活就业", [
        "首次|首次以灵活就业身份参保|头一回自己交社保/第一次自己交",
        "转回|已在外省参保的灵活就业人员回本市|在外省交过社保现在回来了/外地交的回老家",
        "断缴|中断缴费后需补缴|断了几个月没交/中间停交了"]),
    ("灵活就业社保补贴", "灵活就业人员社会保险补贴", "benefit", "社保补贴,灵活就业补贴,交社保的补贴,社补", [
        "困难|经认定的就业困难人员灵活就业|就业困难人员/40 50人员",
        "毕业生|离校2年内未就业的高校毕业生灵活就业|毕业两年没找到工作/刚毕业打零工"]),
    ("养老保险关系转移接续", "基本养老保险关系转移接续/养老保险跨地区转移", "proc", "养老保险转移,社保转移,社保转过来,养老转移,sb转移", [
        "跨省|跨省流动就业|从外省回来/去外省上班",
        "城乡转职工|城乡居民养老保险转入职工养老保险|居民养老转成职工养老/农村社保转城镇"]),
    ("城乡居民基本养老保险", "城乡居民基本养老保险/城乡居民养老保险", "ins", "居民养老,农村养老保险,新农保,城乡居民养老,农保", [
        "缴费|参保缴费档次选择|交哪个档次/每年交多少档",
        "领取|年满60周岁领取待遇|满60了要领钱/到年龄领养老金",
        "身故|参保人死亡后个人账户余额继承|老人过世了账户里的钱"]),
    ("养老金领取资格认证", "养老金领取资格认证/待遇领取资格认证", "proc", "养老金认证,资格认证,刷脸认证,生存认证,年审", [
        "本地|在本市居住的退休人员|在本地住的退休老人",
        "异地|居住在外省或境外的退休人员|跟儿子住在外地/人在国外"]),
    ("失业保险金", "失业保险金申领/失业保险金", "benefit", "失业金,失业保险,失业费,失业补助,sye金,失业险", [
        "辞退|被用人单位解除劳动合同|被公司辞退了/厂里裁员",
        "到期|劳动合同期满不再续订|合同到期不续了",
        "辞职|个人主动辞职|自己辞的职/我主动离职的"]),
    ("失业登记", "失业登记/就业失业登记", "proc", "失业登记,登记失业,失业证,就失业登记证", []),
    ("就业困难人员认定", "就业困难人员认定", "proc", "就业困难认定,4050认定,困难人员认定,就困认定", []),
    ("创业担保贷款", "创业担保贷款/创业担保贷款贴息", "loan", "创业贷款,创业贷,贴息贷款,创业担保贷,cy贷款", [
        "个人|个人创业者申请|自己开店想贷款/个人创业",
        "小微|小微企业申请|小公司贷款/开了个小厂",
        "贴息|申请财政贴息|利息补贴/贴息的钱"]),
    ("职业技能培训补贴", "职业技能培训补贴/技能提升补贴", "benefit", "培训补贴,技能补贴,考证补贴,技能提升补贴,jn补贴", [
        "证书|取得职业技能等级证书|考了个电工证/拿到技能证",
        "失业|失业人员参加就业技能培训|失业了去参加培训"]),
    ("一次性创业补贴", "一次性创业补贴/创业补贴", "benefit", "创业补贴,开店补贴,创业补助", []),
    ("工伤认定", "工伤认定申请/工伤认定", "proc", "工伤,算工伤,认工伤,工伤鉴定", [
        "通勤|上下班途中受到非本人主要责任的交通事故伤害|下班路上被车撞了/上班路上出车祸",
        "工作|工作时间和工作场所内因工作原因受伤|在车间干活受伤/上班时摔伤了",
        "职业病|被诊断为职业病|得了职业病/尘肺病"]),
    ("劳动人事争议仲裁", "劳动人事争议仲裁/劳动仲裁申请", "case", "劳动仲裁,仲裁,告老板,劳动纠纷,ldzc", [
        "欠薪|用人单位拖欠劳动报酬|老板欠工资不给/拖了三个月工资",
        "未签合同|用人单位未签订书面劳动合同|没签劳动合同/公司不跟我签合同",
        "违法解除|用人单位违法解除劳动合同|无缘无故把我开了/违法辞退"]),
    ("城乡居民医保参保", "城乡居民基本医疗保险参保登记/城乡居民医保缴费", "ins", "居民医保,农合,新农合,医保,yb,合作医疗", [
        "新生儿|新生儿出生后参保|刚出生的娃/宝宝刚生下来",
        "学生|在校中小学生和大学生参保|孩子在上学/学生娃",
        "成年|未参加职工医保的成年居民|我没上班的/家里大人"]),
    ("职工基本医疗保险", "职工基本医疗保险/职工医保", "ins", "职工医保,单位医保,职工yb,城镇职工医保", [
        "年限不足|退休时医保缴费年限不足|退休了医保年限不够",
        "个人账户|职工医保个人账户使用|医保卡里的钱/个账的钱"]),
    ("城乡居民大病保险", "城乡居民大病保险/大病保险", "ins", "大病保险,大病医保,大病报销,dbbx,重病保险", [
        "住院|住院医疗费用达到起付线后|住院花了好几万",
        "特药|使用国家谈判特殊药品|用了很贵的特效药/靶向药"]),
    ("门诊慢特病", "门诊慢特病待遇/门诊慢性病特殊病", "ins", "慢特病,慢性病,门特,门慢,特殊病,慢病卡", [
        "慢病|高血压、糖尿病等门诊慢性病|高血压/糖尿病天天吃药",
        "肿瘤|恶性肿瘤门诊放化疗|癌症化疗/肿瘤放疗",
        "透析|尿毒症门诊透析|尿毒症/要做透析"]),
    ("医保电子凭证", "医保电子凭证/医保码", "cert", "医保码,医保电子卡,电子医保,yb码,医保二维码", [
        "激活|首次激活使用|第一次用/怎么开通",
        "亲情|为家庭成员添加亲情账户|给家里老人绑定/帮孩子开"]),
    ("异地就医备案", "异地就医备案/跨省异地就医直接结算备案", "proc", "异地就医,异地备案,外地看病,跨省就医,ydjy", [
        "长期|异地长期居住人员|跟孩子在外地常住",
        "临时|临时外出就医人员|出去旅游突然生病/临时去外地看病",
        "转诊|经医院转诊到外地就医|医生让我转到外地大医院"]),
    ("生育津贴", "生育津贴/生育保险生育津贴", "benefit", "生育津贴,产假工资,生孩子的钱,生育金,sy津贴", [
        "顺产|女职工正常分娩|顺产/正常生的",
        "剖宫产|难产或剖宫产|剖腹产/难产",
        "流产|怀孕未满4个月流产|小产了/怀孕两个月流产"]),
    ("生育医疗费用报销", "生育医疗费用报销/生育保险医疗费用", "ins", "生育报销,生孩子报销,产检报销,生育险报销", [
        "职工|参加生育保险的女职工|我自己交了生育险",
        "配偶|职工未就业配偶|老婆没上班/男方单位交的"]),
    ("医疗救助", "医疗救助/城乡医疗救助", "benefit", "医疗救助,看病救助,大病救助,医救", [
        "低保|低保、特困等救助对象|低保户看病",
        "因病|因病致贫的重病患者家庭|看病把家底花光了"]),
    ("长期护理保险", "长期护理保险/长护险", "ins", "长护险,护理险,失能保险,cqhl", []),
    ("家庭医生签约", "家庭医生签约服务", "proc", "家庭医生,签家庭医生,家医签约,社区医生签约", []),
    ("最低生活保障", "最低生活保障/低保", "benefit", "低保,吃低保,低保金,dibao,低保补助", [
        "城市|城市居民家庭|城里住的/城镇户口",
        "农村|农村居民家庭|农村的/在乡下",
        "单人保|重度残疾人单独纳入低保|残疾的孩子单独吃低保/重残单列"]),
    ("特困人员供养", "特困人员救助供养/特困供养", "benefit", "特困,五保,五保户,特困供养,孤老", [
        "分散|分散供养|自己在家住",
        "集中|集中供养（入住敬老院）|住进敬老院"]),
    ("临时救助", "临时救助/急难救助", "benefit", "临时救助,临时补助,救急的钱,急难救助,临救", [
        "急难|因火灾、交通事故等意外导致基本生活困难|家里着火了/出了车祸",
        "支出型|因重大疾病等刚性支出过大导致生活困难|看病花了好多钱",
        "流浪|在本市遇困的外地流浪乞讨人员|外地人在这边没钱回家"]),
    ("低收入家庭认定", "低收入家庭认定/低收入人口认定", "proc", "低收入认定,低收入家庭,低边,低保边缘", []),
    ("高龄津贴", "高龄津贴/高龄老人补贴", "benefit", "高龄补贴,老年补贴,老人补贴,高龄费,长寿金", [
        "80|80至89周岁老年人|80多岁/八十几岁",
        "90|90至99周岁老年人|90多了/九十几岁",
        "百岁|100周岁及以上老年人|满一百岁了/百岁老人"]),
    ("居家养老服务补贴", "居家养老服务补贴", "benefit", "居家养老补贴,养老服务补贴,上门服务补贴,居家补贴", [
        "失能|失能、半失能老年人|老人瘫在床上/卧床不起",
        "独居|独居、空巢老年人|一个人住/子女不在身边",
        "低保|低保、特困家庭老年人|低保家庭的老人"]),
    ("适老化改造", "居家适老化改造/老年人家庭适老化改造", "benefit", "适老化改造,老人房子改造,扶手改造,防滑改造,适老改造", [
        "困难|特殊困难老年人家庭|困难家庭的老人",
        "自费|自费实施适老化改造|自己出钱改造"]),
    ("养老机构入住", "养老机构入住/公办养老机构轮候入住", "proc", "养老院,敬老院,进养老院,住养老院,公办养老院", [
        "公办|申请入住公办养老机构|公办的养老院",
        "民办|入住民办养老机构床位补贴|私人养老院"]),
    ("老年助餐服务", "老年助餐服务/社区老年食堂助餐补贴", "benefit", "老年食堂,助餐,老人吃饭补贴,长者饭堂", []),
    ("家庭养老床位", "家庭养老床位建设", "benefit", "家庭床位,养老床位,家里的养老床", []),
    ("残疾人证", "第二代残疾人证/残疾人证办理", "cert", "残疾证,残证,cjz,残疾人证件,残疾评定", [
        "首次|首次申领|第一次办",
        "换证|到期换领或等级变化|到期要换/等级变了",
        "迁移|户籍迁移后残疾人证迁移|户口迁走了"]),
    ("残疾人两项补贴", "困难残疾人生活补贴和重度残疾人护理补贴", "benefit", "两项补贴,残疾补贴,护理补贴,残疾人补助", [
        "生活|困难残疾人生活补贴|家里困难的残疾人",
        "护理|重度残疾人护理补贴|一级二级重残"]),
    ("无障碍设施", "无障碍环境建设/家庭无障碍改造", "benefit", "无障碍,残疾人通道,轮椅坡道,盲道,无障碍改造", [
        "家庭|残疾人家庭无障碍改造|家里装扶手坡道",
        "公共|公共场所无障碍设施缺失或被占用|盲道被占了/没有轮椅坡道"]),
    ("残疾儿童康复救助", "残疾儿童康复救助", "benefit", "康复救助,自闭症救助,儿童康复补贴,孤独症康复", []),
    ("孤儿和事实无人抚养儿童基本生活费", "孤儿基本生活费/事实无人抚养儿童基本生活保障", "benefit", "孤儿补助,孤儿费,没人管的孩子,事实孤儿", [
        "孤儿|社会散居孤儿|父母都不在了的孩子",
        "事实|事实无人抚养儿童|爸坐牢妈跑了/父母都管不了"]),
    ("殡葬补贴", "基本殡葬服务费用减免/殡葬补贴", "benefit", "殡葬补贴,火化补贴,丧葬补贴,殡葬费减免,白事补贴", [
        "减免|本市户籍居民去世基本殡葬服务费减免|老人走了火化费/办丧事",
        "生态|选择树葬、海葬等生态安葬|海葬/树葬"]),
    ("丧葬费和抚恤金", "丧葬补助金和抚恤金/遗属待遇", "benefit", "丧葬费,抚恤金,死亡待遇,遗属补助", [
        "在职|在职职工因病或非因工死亡|上班的人去世了",
        "退休|退休人员死亡|退休老人走了",
        "居民|城乡居民养老保险参保人死亡|农村老人过世"]),
    ("婚姻登记", "婚姻登记", "cert", "结婚证,领证,离婚证,婚姻登记,扯证", [
        "结婚|内地居民结婚登记|领结婚证/扯结婚证",
        "离婚|协议离婚登记|离婚/离婚冷静期",
        "补领|补领结婚证、离婚证|结婚证丢了"]),
    ("独生子女父母奖励", "独生子女父母奖励/独生子女父母奖励扶助", "benefit", "独生子女费,独子费,独生子女奖励,独生证的钱,独生补贴", [
        "在职|在职职工独生子女父母|单位上班的",
        "农村|农村部分计划生育家庭奖励扶助|农村的独生子女户/纯女户",
        "退休|企业职工退休时一次性奖励|退休一次性给的"]),
    ("计划生育特别扶助", "计划生育家庭特别扶助金", "benefit", "特扶金,失独,独生子女伤残,特扶", [
        "伤残|独生子女伤残家庭|独生子女残疾了",
        "死亡|独生子女死亡家庭|独生子女不在了/失独"]),
    ("育儿补贴", "育儿补贴/生育补贴", "benefit", "育儿补贴,生娃补贴,二孩补贴,三孩补贴,育儿金", [
        "二孩|生育二孩家庭|生了二胎",
        "三孩|生育三孩家庭|生了三胎"]),
    ("生育登记", "生育登记服务", "proc", "生育登记,准生证,生育服务证,准生", []),
    ("出生医学证明", "出生医学证明", "cert", "出生证,出生证明,出生医学证,csz", [
        "首次|新生儿首次签发|刚生的娃办出生证",
        "补发|出生医学证明遗失补发|出生证丢了",
        "变更|出生医学证明信息变更|出生证上名字写错"]),
    ("新生儿落户", "新生儿出生登记/新生儿落户", "proc", "上户口,娃上户口,新生儿户口,报户口,落户,sh户口", [
        "随父|随父亲落户|跟爸爸上户口",
        "随母|随母亲落户|跟妈妈上户口",
        "非婚生|非婚生育子女落户|没结婚生的孩子",
        "外地|父母一方为外地户籍|孩子他妈是外地户口"]),
    ("户口迁移", "户口迁移/户籍迁入", "proc", "迁户口,户口迁移,转户口,迁户,hk迁移", [
        "投靠|投靠配偶、父母或子女落户|投靠子女/跟老伴迁户口",
        "购房|购买住房落户|买了房子迁户口",
        "人才|人才引进落户|人才落户",
        "毕业生|大中专毕业生落户|毕业了户口迁回来"]),
    ("居住证", "居住证办理", "cert", "居住证,暂住证,jzz,流动人口证", [
        "首次|首次申领居住证|第一次办",
        "签注|居住证年度签注|每年签注",
        "补领|居住证遗失补领|居住证掉了"]),
    ("居民身份证", "居民身份证办理", "cert", "身份证,sfz,二代证,临时身份证", [
        "到期|有效期满换领|到期了要换",
        "遗失|遗失补领|身份证丢了",
        "异地|在非户籍地异地办理|在外地办身份证",
        "临时|申领临时居民身份证|急用办个临时的"]),
    ("无犯罪记录证明", "无犯罪记录证明开具", "cert", "无犯罪证明,无犯罪记录,良民证,无犯罪", [
        "本人|本人申请开具|我自己去开",
        "出国|出国（境）使用|出国要用/办签证要",
        "委托|委托他人代为申请|我在外地让家里人开"]),
    ("电动自行车登记上牌", "电动自行车登记上牌", "cert", "电瓶车上牌,电动车上牌,电驴上牌,小电驴牌照,电动车牌子", [
        "新车|新购买符合国家标准的电动自行车|新买的电动车",
        "过渡|超标电动自行车过渡期临时号牌|老款超标车/临时牌到期",
        "转让|二手电动自行车转让过户|买的二手电动车"]),
    ("机动车驾驶证", "机动车驾驶证业务", "cert", "驾照,驾驶证,jsz,驾驶本", [
        "期满|驾驶证有效期满换证|驾照到期了",
        "补证|驾驶证遗失补领|驾照丢了",
        "高龄|年满70周岁驾驶人|70多了还想开车"]),
    ("出入境证件", "出入境证件办理", "cert", "护照,港澳通行证,出国证件,hz,签注", [
        "护照|普通护照|办护照",
        "港澳|往来港澳通行证及签注|去香港澳门",
        "台湾|往来台湾通行证|去台湾"]),
    ("退役军人优待证", "退役军人优待证", "cert", "优待证,退伍军人优待证,军人优待证,ydz,退役证优待", [
        "退役|退役军人本人申领|我是退伍的",
        "烈属|烈士遗属申领|烈士家属"]),
    ("退役士兵安置", "退役士兵安置", "proc", "退伍安置,退役安置,转业安置,复员安置", [
        "自主|选择自主就业|自己找工作",
        "安排|符合安排工作条件|要求安排工作"]),
    ("优抚对象抚恤补助", "优抚对象抚恤和生活补助", "benefit", "优抚金,抚恤金,伤残抚恤,优抚补助,参战补助", [
        "伤残|残疾军人|伤残军人/当兵时受的伤",
        "参战|参战参试退役人员|参加过战争的/参过战",
        "带病|带病回乡退伍军人|退伍回来一身病"]),
    ("义务教育入学", "义务教育阶段入学/小学初中招生", "proc", "上小学,上初中,入学,小学报名,小升初,ywjy", [
        "小学|适龄儿童小学一年级入学|娃要上一年级/孩子六岁上小学",
        "初中|小学毕业升入初中|小升初",
        "随迁|进城务工人员随迁子女入学|外地户口孩子上学/随迁子女"]),
    ("积分入学", "积分入学/积分入读", "proc", "积分入学,积分上学,入学积分,jf入学", [
        "计算|积分计算标准|分怎么算",
        "申请|积分入学申请|申请积分",
        "公示|积分结果公示与录取|积分结果出来没"]),
    ("学籍转移", "学籍转移/转学", "proc", "转学,学籍转移,转学籍,xj转移", [
        "省内|省内转学|市里转学/同一个省转学",
        "跨省|跨省转学|从外省转回来",
        "休学|休学、复学|孩子生病要休学"]),
    ("幼儿园入园", "幼儿园招生入园", "proc", "上幼儿园,幼儿园报名,入园,幼儿园招生", [
        "公办|公办幼儿园报名|公立幼儿园",
        "普惠|普惠性民办幼儿园|普惠园"]),
    ("学生资助", "学生资助", "benefit", "助学金,助学贷款,贫困生补助,学生补助,国家助学", [
        "高中|普通高中国家助学金|高中助学金",
        "中职|中等职业学校免学费|读职高/中专免学费",
        "生源地贷款|大学生生源地信用助学贷款|大学生贷款/生源地贷款"]),
    ("托育补贴", "托育服务补贴/婴幼儿托育补贴", "benefit", "托育补贴,托儿所补贴,送托补贴,托班补贴", []),
    ("营业执照", "营业执照办理/市场主体登记", "cert", "营业执照,执照,yyzz,工商执照,办执照", [
        "个体|个体工商户设立登记|开个小店/个体户",
        "公司|有限责任公司设立登记|开公司",
        "变更|营业执照经营范围、地址变更|换地址/加经营范围",
        "注销|市场主体注销登记|店不开了/公司要注销"]),
    ("食品经营许可", "食品经营许可证/食品经营许可", "cert", "食品许可证,食品经营许可证,餐饮许可证,sp许可证,卖吃的证", [
        "新办|新开办食品经营店铺|新开个餐馆/开奶茶店",
        "延续|食品经营许可证到期延续|许可证快到期",
        "小餐饮|小餐饮、小食杂店备案|路边小吃店/小卖部"]),
    ("公共场所卫生许可", "公共场所卫生许可证", "cert", "卫生许可证,卫生证,理发店卫生许可,wsxk", [
        "美容美发|理发店、美容院|开理发店/美容店",
        "住宿|宾馆、民宿等住宿场所|开民宿/开小旅馆"]),
    ("户外广告设置", "户外广告设施设置审批/店招店牌设置", "cert", "户外广告,店招,招牌审批,门头审批,广告牌", []),
    ("消费投诉", "消费者投诉举报", "case", "消费投诉,投诉商家,12315,退款投诉,维权", [
        "网购|网络购物纠纷|网上买东西被坑",
        "预付卡|健身房、理发店预付卡跑路|办的卡老板跑了",
        "餐饮|餐饮食品安全问题|吃坏了肚子/饭里有虫"]),
    ("管道燃气开户", "管道燃气开户/燃气过户", "proc", "燃气开户,天然气开户,煤气开户,燃气过户,rq开户", [
        "新房|新建住宅首次开户通气|新房通气",
        "过户|二手房燃气过户|买的二手房天然气过户"]),
    ("集中供暖", "集中供热服务", "proc", "暖气,供暖,暖气报停,取暖,gn", [
        "报停|暖气报停|暖气不用了要报停",
        "补贴|困难群体供暖费补贴|暖气费补贴",
        "不热|室温不达标投诉|暖气不热"]),
    ("犬只登记", "养犬登记/犬只登记", "cert", "狗证,养狗登记,犬证,办狗证,gz", [
        "首次|首次办理养犬登记|刚养了只狗",
        "年检|犬只年度检验|狗证年检",
        "注销|犬只死亡或转让注销|狗死了/狗送人了"]),
    ("噪声扰民投诉", "噪声污染投诉", "case", "噪音投诉,太吵了,扰民投诉,噪声投诉", [
        "施工|夜间建筑施工噪声|晚上工地施工",
        "广场舞|广场舞、室外健身活动噪声|广场舞太吵",
        "商铺|商铺音响噪声|店门口放喇叭"]),
    ("物业服务纠纷", "物业服务纠纷/物业管理投诉", "case", "物业投诉,投诉物业,物业不作为,wy投诉,物业纠纷", [
        "收费|物业费收费争议|物业费乱收",
        "维修|物业维修不及时|报修了没人管",
        "更换|业主申请更换物业服务企业|想换物业公司"]),
    ("业主委员会", "业主大会和业主委员会/业主委员会备案", "proc", "业委会,业主委员会,成立业委会,ywh", [
        "成立|首次成立业主委员会|小区要成立业委会",
        "换届|业主委员会换届|业委会到期换届"]),
    ("小区停车", "住宅小区停车管理/路内停车", "cert", "停车证,小区停车,停车位,停车月卡", [
        "小区|办理小区停车证|小区门禁停车",
        "路边|路内停车泊位包月|路边停车包月"]),
    ("新能源汽车充电桩安装", "个人自用充电设施报装", "proc", "充电桩,装充电桩,电车充电桩,cdz", []),
    ("违法建设举报", "违法建设举报查处", "case", "违建,违章建筑,乱搭乱建,私搭乱建,楼顶违建", []),
    ("法律援助", "法律援助申请", "benefit", "法律援助,免费律师,法援,免费打官司", [
        "讨薪|农民工请求支付劳动报酬|农民工讨工资",
        "刑事|刑事案件申请法律援助|家里人被抓了要律师",
        "家事|婚姻家庭、赡养纠纷|离婚打官司/儿女不养老"]),
    ("人民调解", "人民调解", "case", "调解,邻里纠纷调解,找人调解,民调", []),
    ("公证", "公证办理", "cert", "公证,公证书,办公证,gz处", [
        "继承|继承公证|遗产继承公证",
        "委托|委托书公证|委托别人卖房要公证",
        "学历|学历、学位公证|出国要学历公证"]),
    ("无偿献血费用返还", "无偿献血者用血费用返还", "benefit", "献血返还,献血报销,用血报销,献过血的报销", []),
    ("困难职工帮扶", "困难职工帮扶救助", "benefit", "困难职工补助,工会帮扶,困难职工救助,送温暖", []),
    ("人才安家补贴", "引进人才安家补贴/人才生活补贴", "benefit", "人才补贴,安家费,人才安家费,引才补贴,rc补贴", [
        "博士|全职引进的博士研究生|博士",
        "硕士|硕士研究生|研究生毕业",
        "本科|全日制本科毕业生|本科毕业"]),
    ("职称评审", "专业技术职称评审", "proc", "评职称,职称,职称申报,zc评审", [
        "初级|初级职称认定|初级职称",
        "中高级|中级、高级职称评审|中级职称/副高"]),
    ("农村宅基地", "农村宅基地审批", "proc", "宅基地,盖房子审批,农村建房,宅基地申请", [
        "新建|农村村民新申请宅基地建房|新盖房子",
        "翻建|原址翻建住房|老房子拆了重盖"]),
    ("农村危房改造", "农村低收入群体等重点对象危房改造", "benefit", "危房改造,危改,老房子改造补贴,农村危房", []),
    ("耕地地力保护补贴", "耕地地力保护补贴", "benefit", "种粮补贴,地力补贴,粮补,耕地补贴", []),
    ("社会保障卡", "社会保障卡办理", "cert", "社保卡,sbk,医保卡,社会保障卡,第三代社保卡", [
        "首次|首次申领社会保障卡|第一次办社保卡",
        "补换|社会保障卡遗失补换|社保卡丢了",
        "激活|社会保障卡启用金融功能|社保卡激活"]),
    ("老年人优待证", "老年人优待证", "cert", "老年证,老人证,敬老卡,老年卡,坐车免费的卡", []),
    ("城市定制型商业医疗保险", "城市定制型商业补充医疗保险（惠民保）", "ins", "惠民保,城市保,补充医疗保险,hmb", []),
    ("燃气安全隐患举报", "燃气安全隐患举报", "case", "煤气泄漏举报,燃气隐患,液化气瓶举报,燃气安全", []),
    ("防范电信诈骗求助", "电信网络诈骗求助", "case", "被骗了,电信诈骗,网上被骗,反诈", []),
    ("社区矫正报到", "社区矫正对象报到", "proc", "社区矫正,矫正报到,缓刑报到,jz报到", []),
    ("大件垃圾清运", "大件垃圾和装修垃圾清运", "case", "大件垃圾,装修垃圾,旧家具扔哪,建筑垃圾清运", []),
    ("职业资格证书", "职业资格证书核发/职业技能等级证书查询", "cert", "职业资格证,技能证书,等级证书,上岗证", []),
    ("护理员培训补贴", "养老护理员培训补贴和入职奖补", "benefit", "养老护理员补贴,护工补贴,护理员奖补", []),
    ("见义勇为奖励", "见义勇为人员奖励和优抚", "benefit", "见义勇为奖励,见义勇为,救人奖励", []),
    ("地名门牌", "门牌号编制/门牌证明", "cert", "门牌号,门牌证明,地址证明,门牌", []),
    ("临时占道施工", "临时占用道路审批", "cert", "占道施工,挖路审批,占道审批,临时占道", []),
]

# aspect -> official wordings ({P} situation or asker, {N} situation for "关于" phrasing, {t} official name,
# {d} a deadline, {x} an amount, {policy} a policy title)
OFFICIAL_FIFTH = {
    "条件": ["{P}申请{t}需要符合哪些条件？", "{P}是否可以申请{t}？需满足什么条件？", "{P}办理{t}有什么条件限制？",
           "关于{N}{t}申请条件的问题", "{P}能否享受{t}政策？"],
    "材料": ["{P}办理{t}需要提交哪些材料？", "{P}申请{t}需携带哪些证件原件及复印件？", "关于{N}{t}所需材料的问题",
           "{P}{t}的申请材料清单包括哪些内容？"],
    "流程": ["{P}{t}的办理流程是怎样的？", "{P}如何办理{t}？", "{P}申请{t}应按照什么程序进行？", "关于{N}{t}办理程序的问题"],
    "窗口": ["{P}{t}应到哪个窗口办理？", "{P}{t}由哪个部门受理？", "{P}办理{t}是到区政务服务中心还是街道便民服务中心？",
           "{P}可否在就近的社区便民服务站提交{t}申请？"],
    "时限": ["{P}{t}自受理之日起多少个工作日内办结？", "{P}申请{t}后一般多长时间可以审批完成？", "{P}{t}的承诺办理时限是多少？"],
    "期限": ["{P}应在{d}内申请{t}，逾期是否还能办理？", "{P}申请{t}是否有时间限制？超过{d}还能申请吗？", "关于{N}{t}申请期限的问题"],
    "费用": ["{P}办理{t}是否收取费用？", "{P}{t}需要缴纳哪些费用？收费标准是多少？", "{P}申请{t}可否免收相关费用？"],
    "标准": ["{P}{t}的待遇（补助）标准是多少？", "{P}{t}每人每月可领取多少元？", "{P}{t}最高额度是多少？如何计算？",
           "今年{P}{t}待遇标准是否仍为{x}元？"],
    "发放": ["{P}{t}何时发放到账？", "{P}{t}是按月发放还是一次性发放？", "{P}{t}通过什么渠道发放？发放到哪张卡上？"],
    "网办": ["{P}{t}能否通过“一网通办”平台在线办理？", "{P}是否可以通过手机APP或微信小程序申请{t}？",
           "{P}{t}可否全程网办、不见面审批？"],
    "代办": ["{P}本人无法到场的，{t}可否委托他人代为办理？需要提供什么手续？",
           "{P}行动不便的老年人、残疾人申请{t}，能否由家属代办？"],
    "次数": ["{P}{t}每年可以申请几次？能否重复申领？", "{P}已经享受过{t}的，能否再次申请？", "{P}{t}是否有申请次数上限？"],
    "进度": ["{P}如何查询{t}的审批进度？", "{P}提交{t}申请后，通过什么途径查询办理结果？"],
    "异议": ["{P}对{t}审核结果有异议的，可以通过什么途径申请复核？", "{P}申请{t}未获批准怎么办？能否重新申请？"],
    "异地": ["{P}非本市户籍人员能否申请{t}？", "{P}在外省已办理相关手续的，回本市后{t}如何转移接续？",
           "{P}户籍在外地但长期在本市居住的，是否可以办理{t}？"],
    "停发": ["{P}享受{t}期间家庭或个人情况发生变化的，应如何办理变更或停止手续？", "{P}出现哪些情形时{t}会被停止发放？"],
    "同享": ["{P}{t}能否与其他同类补贴同时享受？", "{P}已领取其他补助的，是否还可以申请{t}？"],
    "变更": ["{P}{t}登记信息有误或发生变化，如何办理变更？", "{P}{t}上的姓名、地址等信息变更后是否需要重新办理？"],
    "补办": ["{P}{t}遗失或损毁的，如何申请补（换）领？", "{P}{t}丢失后补办需要多长时间？是否需要登报声明？"],
    "有效期": ["{P}{t}的有效期是多长时间？到期后如何延续？", "{P}{t}过期未换的，是否影响使用？"],
    "依据": ["{t}的政策依据是什么？", "{t}执行的是哪项政策文件？", "办理{t}依据的是《{policy}》吗？"],
    "电话": ["{t}的咨询电话是多少？", "对{t}有疑问，可以拨打哪个电话或到哪个窗口咨询？"],
}
_FIFTH_DEADLINES = ["事件发生之日起60日", "每年3月31日前", "离职之日起6个月", "出生之日起30日", "12个月", "90日", "当年12月底前"]
_FIFTH_AMOUNTS = ["300", "500", "800", "1200", "1500", "2000", "3000"]
_FIFTH_POLICIES = ["{t}管理办法", "{t}实施细则", "关于进一步做好{t}工作的通知", "{t}暂行办法"]
_FIFTH_ASKERS = ["", "", "", "", "市民", "本市居民", "群众"]


def _fifth_parse(service: tuple) -> tuple[list[str], list[str], list[tuple[str, str, list[str]]]]:
    _, names, _, aliases, sits = service
    situations = []
    for line in sits:
        short, clause, said = line.split("|")
        situations.append((short, clause, said.split("/")))
    return names.split("/"), aliases.split(","), situations


def official_faq_fifth(*, seed: int = 11) -> list[FifthEntry]:
    """About 1,800 official-style entries (codes F5xxxx), one per (service, situation, aspect), services in order."""
    rng = random.Random(seed)
    out: list[FifthEntry] = []
    for service in FIFTH_SERVICES:
        category, kind = service[0], service[2]
        names, _, situations = _fifth_parse(service)
        sit_ids: list[int | None] = list(range(len(situations))) or [None]
        shorts = "".join(short for short, _, _ in situations)
        pool = [a for a in _FIFTH_POOLS[kind] if not any(w in shorts for w in _FIFTH_CLASH.get(a, ()))]
        combos = [(s, a) for s in sit_ids for a in pool]
        rng.shuffle(combos)
        picked = combos[: rng.randint(12, 17)] + [(None, a) for a in _FIFTH_WIDE]
        for s, aspect in picked:
            t = rng.choice(names)
            if s is None:
                p, n, noun = rng.choice(_FIFTH_ASKERS), "", ""
            else:
                short, clause, _ = situations[s]
                p = rng.choice([f"{clause}的，", f"{clause}，", f"对于{clause}的情形，", f"属于{short}情形的，"])
                n, noun = f"{short}情形下", f"（{short}）"
            template = rng.choice(OFFICIAL_FIFTH[aspect])
            if t.endswith("办理") and ("办理{t}" in template or "{t}的办理" in template):
                t = t[:-2]  # not "办理居住证办理"
            q = template.format(
                P=p, N=n, t=t, d=rng.choice(_FIFTH_DEADLINES), x=rng.choice(_FIFTH_AMOUNTS),
                policy=rng.choice(_FIFTH_POLICIES).format(t=t))
            code = f"F5{len(out):04d}"
            answer = f"【合成数据，非真实政策】关于{category}{noun}的{aspect}问题的示例答复，请以主管部门公布的为准。"
            out.append(FifthEntry(FaqDoc(code=code, question=q, answer=answer, category=category), category, s, aspect))
    return out


# ---- the fifth resident generator ---------------------------------------------------------------------------------
RESIDENT_FIFTH = {
    "条件": ["我这种情况够不够格", "要满足啥条件", "我符合条件不", "有啥要求没有", "我能不能弄", "有没有资格", "啥人才能申请"],
    "材料": ["要带些啥东西", "要准备哪些资料", "要拿啥证件去", "材料清单发我一下", "要复印些啥", "光带身份证够不够"],
    "流程": ["怎么弄", "是个什么流程", "第一步该干嘛", "具体怎么操作", "从哪下手办", "怎么申请嘛"],
    "窗口": ["去哪个地方办", "哪个窗口管这个", "找哪个部门", "要跑到哪里去", "社区能办不还是要去区里大厅"],
    "时限": ["多久能批下来", "要等几天", "几个工作日能办好", "审批要好长时间"],
    "期限": ["有没有时间限制", "过了期限还能申请不", "最迟什么时候要去办", "超时了还认不认"],
    "费用": ["要不要出钱", "收不收费", "要交好多钱", "是免费的不"],
    "标准": ["能拿好多钱", "给多少钱一个月", "最多能有多少", "能领好多"],
    "发放": ["钱什么时候到账", "哪天打到卡上", "是按月给还是一次给完"],
    "网办": ["手机上能办不", "网上弄得成不", "有没有app可以直接申请", "不想跑腿网上能搞定不", "online能办吗"],
    "代办": ["我自己去不了屋头人帮忙办可以吗", "能喊别人代办不", "子女帮忙去办可以不"],
    "次数": ["一年能弄几回", "能重复申请不", "已经办过一次还能再办不"],
    "进度": ["办到哪一步了怎么查", "交上去好久没消息怎么看进度", "在哪看审核结果"],
    "异议": ["没批下来怎么办", "被驳回了怎么整", "对结果不服能申诉不"],
    "异地": ["外地户口能办不", "户口不在这边行不行", "在外省办过的回来怎么接上"],
    "停发": ["情况变了要去报告不", "不想要了怎么停掉", "家里情况有变化怎么办"],
    "同享": ["跟别的补贴能一起领不", "能不能同时享受两样", "已经领了别的还能领这个不"],
    "变更": ["上面信息错了怎么改", "地址变了要去变更不", "名字改了证上怎么弄"],
    "补办": ["搞丢了怎么补", "弄烂了能换个新的不", "掉了怎么重新办"],
    "有效期": ["管几年", "过期了怎么整", "到期了要去换不"],
    "依据": ["是按哪个文件来的", "有没有正式文件", "政策出处在哪"],
    "电话": ["打哪个电话能问清楚", "给个咨询电话", "有没有热线号码"],
}
_DIALECT_FIFTH = [("什么", ["啥子", "啥", "么子"]), ("怎么", ["咋个", "咋", "怎个"]), ("知道", ["晓得"]),
                  ("可以吗", ["中不中", "得不得", "得行不"]), ("可以不", ["要得不", "中不中"]), ("没有", ["莫得", "冇得"]),
                  ("哪里", ["哪点", "啥子地方"]), ("不行", ["不得行"]), ("多少", ["好多"]), ("这个", ["这个嘛", "恁个"])]
_FILLERS_FIFTH = ["那个", "就是说", "嗯", "然后", "呃", "就是那个"]
_STORIES_FIFTH = ["我今年五十三了在厂里干了二十多年去年厂子倒闭了", "我家住三楼没电梯老伴腿脚不好", "孩子在外地读大学一年回来一次",
                  "我们小区门口那个超市最近在搞活动人多得很", "前两天下大雨我家阳台还漏水了", "我老公常年在外面跑车不在家",
                  "上个礼拜去医院排了一上午队", "我是从四川过来的在这边待了七八年了", "我妈八十多了一个人住老家",
                  "早上送完娃上学就过来问", "我刚从单位出来现在还在找工作", "我们村里好几家都在问这个事",
                  "昨天打了一下午电话都没打通", "我不太会用手机字打得慢", "去年刚结的婚今年娃也生了",
                  "我男人前年走了家里就我一个", "在网上看了好多说法都不一样", "邻居说他已经办好了",
                  "单位人事说让我自己来问", "我文化不高说不清楚你们见谅"]
_OPENERS_FIFTH = ["", "", "", "您好打扰了", "领导辛苦了", "喂喂", "问个事", "那个我问一下", "hello", "老师好",
                  "你们这个到底管不管", "打了好几次电话没人接", "急急急", "能不能快点回", "我就想问一句",
                  "不好意思啊", "请教一下", "你好呀", "在不在", "亲"]
_CLOSERS_FIFTH = ["", "", "", "？？？", "!!!", "。。。", "~~", "？！", "嘛", "哦", "撒", "咯", "谢谢谢谢", "thx",
                  "急", "在线等挺急的", "麻烦快点", "哈", "??", "……"]
_OTHER_FIFTH = ["{o}我已经办好了", "之前问过{o}的事了", "不是问{o}啊", "{o}那个我晓得了", "我屋头{o}也在办",
                "上次办{o}跑了三趟", "听说{o}改政策了"]
# homophones of pinyin input, flat-tongue (sh->s, zh->z), n/l and neighbouring-key (i/u, n/m) slips
TYPOS_FIFTH = {"社": "设", "医": "已", "请": "轻", "险": "线", "补": "不", "贴": "铁", "积": "基", "金": "今", "业": "也",
               "失": "是", "领": "令", "取": "去", "租": "组", "房": "方", "证": "正", "照": "找", "户": "护", "学": "雪",
               "籍": "级", "养": "样", "老": "劳", "残": "惨", "疾": "急", "料": "了", "材": "才", "办": "半", "理": "里",
               "续": "需", "贷": "带", "款": "宽", "婚": "混", "育": "与", "津": "斤", "殡": "宾", "葬": "脏", "退": "推",
               "役": "一", "军": "君", "创": "窗", "营": "赢", "执": "直", "品": "拼", "登": "灯", "记": "计", "车": "撤",
               "牌": "拍", "申": "森", "生": "森", "保": "宝", "低": "滴", "女": "旅", "年": "连", "宁": "零",
               "助": "组", "资": "次", "转": "赚", "认": "任", "费": "非", "钱": "前", "龄": "林", "难": "蓝", "能": "棱"}


def _fifth_name(aliases: list[str], names: list[str], rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return rng.choice(names)
    name = rng.choice(aliases)
    if name.isascii() and rng.random() < 0.5:
        name = name.upper() if name.islower() else name.lower()
    return name


def _fifth_query(entry: FifthEntry, rng: random.Random, *, by_name: dict | None = None) -> str:
    """A resident's question about `entry`, in the fifth generator's own wording."""
    by_name = by_name or _FIFTH_BY_NAME
    names, aliases, situations = by_name[entry.service]
    name = _fifth_name(aliases, names, rng)
    ask = rng.choice(RESIDENT_FIFTH[entry.aspect])
    sit = ""
    if entry.situation is not None:
        sit = rng.choice(situations[entry.situation][2])
    elif situations and rng.random() < 0.3:  # a service-wide question told with the asker's own situation
        sit = rng.choice(rng.choice(situations)[2])
    forms = [f"{sit} {name}{ask}", f"{name} {sit}的 {ask}", f"想问下{name}的事 {sit} {ask}", f"{ask} 就是{name} {sit}那个",
             f"{sit}想弄{name} {ask}"] if sit else [f"{name}{ask}", f"{name} {ask}", f"想问下{name}的事 {ask}",
                                                    f"{ask} 就是{name}那个", f"关于{name} {ask}"]
    parts = [rng.choice(forms)]
    if rng.random() < 0.25:  # another service mentioned in passing
        other = rng.choice(FIFTH_SERVICES)
        if other[0] != entry.service:
            _, other_aliases, _ = by_name[other[0]]
            parts.insert(0, rng.choice(_OTHER_FIFTH).format(o=rng.choice(other_aliases)))
    for _ in range(rng.choice([0, 0, 1, 1, 2])):  # stories with irrelevant detail
        parts.insert(0, rng.choice(_STORIES_FIFTH))
    opener = rng.choice(_OPENERS_FIFTH)
    if opener:
        parts.insert(0, opener)
    text = " ".join(parts)
    if rng.random() < 0.5:
        for word, said in _DIALECT_FIFTH:
            if word in text and rng.random() < 0.7:
                text = text.replace(word, rng.choice(said))
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        text = _typo(text, TYPOS_FIFTH, rng)
    if rng.random() < 0.4:  # voice input: no punctuation, no spaces, fillers between the pieces
        words = text.split()
        text = "".join(w + (rng.choice(_FILLERS_FIFTH) if rng.random() < 0.3 else "") for w in words)
        text = "".join(ch for ch in text if ch not in "，。？！、,.?! ")
    else:
        text = "".join(ch if ch != " " else rng.choice(["", "，", "，", " ", "。", "，，"]) for ch in text)
        text += rng.choice(_CLOSERS_FIFTH)
    return text


_FIFTH_BY_NAME = {s[0]: _fifth_parse(s) for s in FIFTH_SERVICES}


def fifth_queries(faq: list[FifthEntry], rng: random.Random, *, per_entry: int = 2):
    """(held-out codes, [(text, code)] for covered entries, [text] for held-out entries); every 10th entry held out."""
    held = {e.doc.code for e in faq[::10]}
    covered = [(_fifth_query(e, rng), e.doc.code) for e in faq if e.doc.code not in held for _ in range(per_entry)]
    missing = [_fifth_query(e, rng) for e in faq if e.doc.code in held for _ in range(per_entry)]
    return held, covered, missing


def run_fifth(*, seed: int = 11, per_entry: int = 2, thresholds: Thresholds | None = None,
              messages_path: str | None = None) -> dict:
    """Figures on the fifth set (official_faq_fifth + _fifth_query), the same shape as run_official.

    PYTHONPATH=. python -c "import json; from knowledge_base.evaluate import run_fifth; print(json.dumps(run_fifth(),
    ensure_ascii=False, indent=2))"   or   linli faq eval --no-official --fifth
    Covered: correct / wrong / menu_hit / menu_miss / unknown rates. Held out: the `answer` rate is answered-uncovered.
    """
    rng = random.Random(seed)
    today = date.today()
    faq = official_faq_fifth(seed=seed)
    held, covered, missing = fifth_queries(faq, rng, per_entry=per_entry)
    index = FaqIndex.build([e.doc for e in faq if e.doc.code not in held], thresholds)
    return {
        "official_faq_entries": len(index),
        "rules": "fifth",
        "covered": score_covered(index, covered, today),
        "uncovered_heldout_entries": score_uncovered(index, missing, today),
        "uncovered_real_vs_official": score_uncovered(index, real_questions(messages_path), today),
    }


def run_fifth_plain(*, seed: int = 11, per_entry: int = 2, thresholds: Thresholds | None = None) -> dict:
    """FIFTH's official FAQ asked plainly: the service's official name, one RESIDENT_FIFTH ask and the situation
    as the resident says it, with no stories, nicknames, typos or voice run-on text. It measures how the matcher
    reads someone else's FAQ (its situations and wordings) apart from the noise of the full FIFTH queries.
    A tuning set: its misses were read (2026-11-30)."""
    rng = random.Random(seed)
    today = date.today()
    faq = official_faq_fifth(seed=seed)
    held = {e.doc.code for e in faq[::10]}

    def ask(e: FifthEntry) -> str:
        names, _, situations = _FIFTH_BY_NAME[e.service]
        text = rng.choice(names) + rng.choice(RESIDENT_FIFTH[e.aspect])
        return f"{rng.choice(situations[e.situation][2])}，{text}" if e.situation is not None else text

    covered = [(ask(e), e.doc.code) for e in faq if e.doc.code not in held for _ in range(per_entry)]
    missing = [ask(e) for e in faq if e.doc.code in held for _ in range(per_entry)]
    index = FaqIndex.build([e.doc for e in faq if e.doc.code not in held], thresholds)
    return {"official_faq_entries": len(index), "rules": "fifth-plain", "covered": score_covered(index, covered, today),
            "uncovered_heldout_entries": score_uncovered(index, missing, today)}
