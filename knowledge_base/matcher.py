"""The pure FAQ matcher: BM25 over jieba words and (homophone-folded) character bigrams, then a rapidfuzz re-rank of a short list."""

from __future__ import annotations

import gc
import math
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import jieba
import numpy as np
from rapidfuzz import fuzz

jieba.setLogLevel(60)

ANSWER, MENU, UNKNOWN = "answer", "menu", "unknown"

# Said around a question, never part of it (longest first so 请问一下 goes before 请问).
_CHATTER = sorted(
    """您好 你好 你们好 大家好 领导好 领导您好 领导你好 同志你好 老师好 哈喽 嗨 在吗 在不在 有人吗
    请问一下 请问下 请问 问一下 问下 问问 咨询一下 咨询下 我想咨询 想咨询 我想问一下 我想问下 我想问问 我想问 想问一下 想问下
    想问问 想问 我想了解一下 想了解一下 想了解下 想了解 我想知道 想知道 了解一下 麻烦问一下 麻烦问下 麻烦您 麻烦你 麻烦
    那个啥 就是那个 打扰一下 打扰了 打扰 谢谢你们 谢谢您 谢谢你 谢谢 多谢 感谢 辛苦了 尊敬的 领导 工作人员 同志 老师 师傅 急急急 在线等
    帮我看看 帮忙看看 帮我问问 请告诉我 告诉我 请帮忙 麻烦回复一下 回复一下 请回复 望回复 盼复 盼回复 请教一下 请教""".split(),
    key=len,
    reverse=True,
)
def _trie_regex(phrases) -> re.Pattern:
    """One regex for many literal phrases, shaped as a trie so each position is tried once (longest match wins)."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        alts = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(pattern(trie))


_CHATTER_RE = _trie_regex(_CHATTER)
_PARTICLE_RE = re.compile(r"[啊呀吧呢嘛哦哈呗啦哇噢嗯哎唉呐]+(?=[\s，。？！、,.?!~～…；;：:]|$)")
# Colloquial and formal ways of saying the same thing, mapped onto one spelling on both sides.
_SYNONYMS = {
    "怎么办": ("咋办", "咋弄", "怎么弄", "怎么搞", "咋搞", "咋整", "怎么整", "怎么处理", "如何处理", "咋处理", "怎么处里"),
    "怎么办理": ("如何办理", "怎样办理", "咋办理", "怎么申办", "如何申办", "怎么申领", "如何申领", "办理流程", "办理程序",
                 "办理步骤", "办理方法", "办理办法"),
    "怎么申请": ("如何申请", "怎样申请", "咋申请", "申请流程", "申请程序", "申请步骤", "申请方法", "申请办法", "怎么去申请"),
    "怎么": ("如何", "怎样", "怎么样", "咋样", "咋"),
    "什么": ("啥子", "啥", "哪些", "哪类", "什么样的", "什么样", "哪个"),
    "什么时候": ("啥时候", "什么时间", "何时", "几号", "几月", "哪天"),
    "发放": ("到账", "发钱", "打款", "发下来"),
    "哪里": ("哪儿", "哪个地方", "什么地方", "在哪里", "去哪里", "在哪", "去哪", "哪个窗口", "办理地点", "地点"),
    "材料": ("资料", "证件材料", "手续材料", "证明材料"),
    "可以": ("能不能", "可不可以", "能否", "是否可以", "可否", "支持"),
    "需要": ("需不需要", "是否需要", "要不要", "用不用", "得要"),
    "多久": ("多长时间", "多少天", "几天", "多长", "办理周期", "时限"),
    "费用": ("花多少钱", "交多少钱", "要钱", "交钱", "交费", "收费", "收不收费", "免费", "收钱"),
    "标准": ("领多少钱", "领多少", "给多少钱", "给多少", "发多少钱", "发多少", "补多少", "每月多少钱", "标准多少", "金额"),
    "条件": ("什么要求", "申请要求", "资格", "符合什么", "满足什么", "什么人可以"),
    "电话": ("联系方式", "热线", "号码", "联系电话"),
    "代办": ("帮我办", "帮忙办", "代为办理", "委托他人", "委托别人", "找人", "让家人", "让子女"),
    "不通过": ("没通过", "没审核通过", "审核没过", "没过", "被驳回", "驳回", "没批", "未通过",
               "被退回来", "退回来", "被退回", "退回"),
    # not the single character 改: it rewrote 改造 (农村危房改造 -> 危房变更造) into a question about changes
    "变更": ("修改", "更改", "改正", "改动", "怎么改", "咋改", "如何改", "要改", "想改", "能改", "改一下", "改过来", "改成"),
    "错误": ("错了", "有误", "填错", "写错", "不对"),
    "依据": ("根据哪个文件", "政策文件", "依据哪个", "按什么规定", "根据什么", "文件依据", "规定"),
    "进度": ("办到哪一步", "办好了没", "进展"),
    "查询": ("在哪查", "在哪看", "哪里查", "哪里看", "怎么查", "查看"),
    "外地户籍": ("外地人", "外地户口", "非本地户籍", "不是本地户口", "外省户籍", "外省市户籍", "非本市户籍", "外地的"),
    "遗失": ("丢失", "弄丢", "丢了", "掉了"),
    "孩子": ("小孩", "小朋友", "宝宝", "娃", "子女"),
    "老人": ("老年人", "老人家"),
    "网上": ("线上", "手机上", "网上办", "app", "online", "小程序", "一网通办", "网办"),
    "同时享受": ("一起领", "同时领", "一起享受", "同时领取", "一块领", "兼得", "叠加享受"),
    "几次": ("几回", "多少次"),
    "再次申请": ("再申请", "再次申领", "再办", "再领"),
    "期限": ("时间限制", "截止时间"),
    "停止发放": ("停发", "停掉"),
}


def _resident_words(path=None) -> dict[str, tuple[str, ...]]:
    """knowledge_base/data/resident_words.txt: 'canonical: variant variant …' (居民说法 -> one spelling)."""
    path = Path(path or Path(__file__).with_name("data") / "resident_words.txt")
    table: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {v: k for k, vs in _SYNONYMS.items() for v in vs}  # the built-in table's spellings
    seen.update((k, k) for k in _SYNONYMS)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        canonical, sep, rest = line.partition(":")
        canonical, variants = canonical.strip(), tuple(rest.split())
        if not sep or not canonical or not variants:
            raise ValueError(f"{path}:{n}: expected 'canonical: variant …', got {line!r}")
        for v in variants + (canonical,):
            if seen.setdefault(v, canonical) != canonical:
                raise ValueError(f"{path}:{n}: {v!r} is already spelt as {seen[v]!r}")
        # a variant inside the canonical spelling (居民医保 in 城乡居民医保) must not be rewritten within it
        inside = tuple(canonical for v in variants if v in canonical)
        table[canonical] = variants + inside[:1]
    return table


for _canonical, _variants in _resident_words().items():
    _SYNONYMS[_canonical] = _SYNONYMS.get(_canonical, ()) + _variants

# What a question asks for (after synonyms): an entry about the same thing that answers another of these is
# never a confident answer (哪里 asked, 进度 answered).
ASPECT_WORDS = ("哪里", "材料", "多久", "费用", "标准", "条件", "电话", "代办", "不通过", "变更", "依据", "进度",
                "什么时候", "网上", "遗失", "外地户籍")
# What kind of answer a question wants, read from its (normalised) wording: near-twin entries of one service
# (条件 / 材料 / 流程 / 地点…) differ in this and little else. 流程 only counts when nothing more specific is asked
# ("审核不通过怎么办" asks about 不通过, not about how to apply).
ASPECT_PATTERNS = [(label, re.compile(pattern)) for label, pattern in (
    ("外地", "外地户籍|外省|非本市|非本地|户口不在|户籍在外地|户籍不在"),
    # before 对象 (享受) and 次数: 能否与其他补贴同时享受、已经领了别的还能领这个不
    ("同享", "同时享受|同时领|一起领|一起享受|两样|兼得|叠加|同类补贴|其他补助|其他补贴|别的补贴|领了别的|领着别的|享受其他"),
    # before 对象 (享受过) and 流程 (怎么办): 一年能弄几回、已经办过一次还能再办不
    ("次数", "几次|几回|次数|重复申|重复领|再次申|再次领|再申请|再领|再办|办过一次|领过一次|享受过"),
    # before 变更 and 发放: 情况变了要去报告不、出现哪些情形会被停止发放
    ("停发", "享受[^，。？]{0,10}期间|停发|停止发放|停止享受|停止手续|停止待遇|会被停止|停掉|暂停|终止|取消资格|不想要了|不想领了|情况发生变化|情况有变|情况变了|要去报告|主动报告"),
    ("注销", "注销|销户|销掉|撤销登记|取消登记|退掉"),
    ("年审", "年审|年检|年度审核|年度审验|年报|每年.{0,3}审|年度认证"),
    ("领取", "邮寄|快递|寄到|寄回|寄给|送达|领取方式|取件|取证|拿证|出证|制证|制卡|证件.{0,3}领取|(?:在|去|到)哪.{0,2}领取|哪里领取|怎么拿|去哪拿|在哪拿|哪里拿"),
    ("时间", "办公时间|工作时间|上班时间|受理时间|办理时间|服务时间|几点|周末|节假日|双休|周六|周日|星期六|星期天|中午|午休"),
    ("条件", "条件|门槛|要求|够不够|资格|符合|(?:我|俺|咱)家?(?:能|可以)(?:办|申请|领|享受)|谁都能|像我这样|像俺这样|我这样的|俺这样的"),
    ("对象", "对象|适用|享受|针对|范围|照顾的是|照顾什么人|是给什么|给什么样的人|管什么人|管哪些人|什么人能领|什么人可以领|什么人能享受"),
    ("谁", "什么人|谁能|谁可以|谁符合"),  # 条件 or 对象: whichever the FAQ has
    ("材料", "材料|证件|带什么|准备什么|提供什么|拿什么|东西|交什么|手续要|要些什么|要什么手续|带些|带点什么|复印|(?:光|只)?带(?:个)?身份证(?:够不够|就够|就行)?"),
    ("地点", "哪里(?:受理|办理)?|窗口|什么部门|什么地方|什么单位|什么机构|受理机构|办理机构|找谁办|上哪|到哪(?!一步|了|步)|服务中心|服务站|大厅"),
    # before 时限 (多长): 有没有时间限制、过了期限还能申请不、逾期是否还能办理
    ("期限", "时间限制|申请期限|期限|逾期|最迟|最晚|截止|超时|过了时间|过期限|内(?:申请|提出|申报|登记)|(?:几|多少)天内"),
    ("时限", "多久|工作日|办结|时限|多长|好长时间|什么时候(?:能|可以|才能)?(?:拿证|领证|办好|办下来)|几天(?:能|可以|才能)?(?:拿到|领到|办好)"),
    ("费用", "费用标准|费用|交费|缴费|缴纳|钱吗|收不|掏钱|花钱|花多少|出钱|交多少钱|交好多钱"),
    ("标准", "标准|多少钱|领多少|拿多少|给多少|一个月多少|领取多少|额度|能拿好多|能领好多|领好多|最多能有多少|多少元"),
    ("发放", "发放(?!标准)|发钱|打钱|什么时候发|什么方式发|什么时候给|多会儿?发|打到卡|打卡上|每月发|按月发|季度发|按月给|一次给"),
    ("网办", "网上|政务服务网|网办|在线|用手机|手机办|手机申请|小程序|app|online|一网通办|不见面"),
    ("代办", "代办|代为|代领|代理人|授权|委托|家属|别人|家里人|家人|闺女去|儿子去|女儿去|亲戚帮|叫亲戚|去不了|本人去|帮忙办|帮着办|帮忙去办|替我|代我"),
    ("电话", "电话|热线|拨打|12345|找谁咨询"),
    ("依据", "依据|文件|规定|出处"),
    ("进度", "进度|审批结果|审核结果|办理结果|到哪了|哪一步|批到|办得怎么|办得咋|怎么样了|批下来没|结果出来|哪里能看|哪里能查|没消息|没有消息"),
    ("有效期", "有效期|过期|到期|续办|能用多久|管多久|管几年|能管多|有效多久|几年有效"),
    ("变更", "变更|有误|错误|更正|信息变了|去改吗|改名|名字改了|地址变了|换地址|改地址|地址换了|换了地址"),
    ("遗失", "遗失|补办|补领|损坏|不见了|找不着|找不到了|坏了|换个新|换新的"),
    ("不通过", "不通过|异议|复核|没批|被拒|拒绝|没给过|不给过|没同意|不予|未获批准|不批准|申诉|不服"),
    ("流程", "怎么申请|怎么办理|怎么办|怎么领(?!取)|怎么报名|流程|步骤|程序|办法|怎么弄|怎么走|怎么个|申办|如何申请|第一步|怎么操作|从哪下手"),
)]
_ASPECT_IMPLIES = {"外地": ("条件",), "有效期": ("时限",), "进度": ("地点",), "遗失": ("流程",), "不通过": ("流程", "进度", "次数"),
                   "变更": ("流程",), "停发": ("变更", "流程", "发放"), "次数": ("流程",), "期限": ("流程",), "依据": ("地点",)}
# Labels that name the resident's situation rather than the kind of answer: an entry about one is for residents
# in it (丢了, 要改, 被退回), not for whoever asks where or how to get the thing.
_SITUATIONS = frozenset({"遗失", "变更", "注销", "停发", "不通过"})
SITUATIONS = _SITUATIONS  # for the dialogue, which reads a follow-up menu with them
# A label the query may carry that entries answer under another name: "什么人能申请" fits 条件 and 对象 alike.
_FITS = {"谁": frozenset({"条件", "对象"})}
# Official framing that names no service (本市户籍人员申领…), and 社区, the place a community FAQ is set in (社区能开什么
# 证明): never required of the query, however rare in a small FAQ (社区 is in 20 of the 65 demo entries, under the 30
# that make a word common, so 「社区在哪里办」 was answered with the entry one of whose phrasings is 社区发灭火器吗).
# 小区 stays a name: without it 小区停车位怎么申请 answered real letters about parking in a 小区.
_BOILERPLATE = frozenset("""本市 本区 本地 本人 人员 居民 个人 市民 申领 提交 相关 具体 户籍 常住 满足 哪些 政策 规定 以及 是否 能否 可否
    社区""".split())
# Where every resident's question is set: an entry that shares only these with a query is not offered on a menu.
_SETTING_WORDS = ("小区", "社区")
# Who the resident asks for (我爸85了、家里老人问、子女可以代办吗): not part of the service asked about, so an entry
# need not say them to cover the query's subject (they still count in the confidence).
_PERSON_WORDS = frozenset("""老人 老人家 老年人 老爷子 老太太 老伴 老头 老太 爸 妈 爸爸 妈妈 父亲 母亲 父母 爷爷 奶奶 外公 外婆 姥姥 姥爷
    公公 婆婆 孩子 子女 儿子 女儿 儿女 孙子 孙女 老公 老婆 媳妇 丈夫 妻子 家人 家属 亲属 本人 自己 我们 俺 俺家 咱 咱家 家里人""".split())
# Question words that say nothing about the service: left out of the query's subject.
# 拿到/领到/到手: getting it, not a service (「要多久能拿到」 after an answer follows it up)
_ASKING_WORDS = frozenset("多少 什么 时候 怎么 是否 能否 可以 需要 办理 申请 下来 具体 情况 一下 还要 还能 办好 能办 要多 现在 这个 那个 我们 我家 家里 "
                          "拿到 领到 到手".split())
# All patterns in one regex (a named group each): one pass over the text instead of one search per label.


def _first_chars(pattern: str) -> str | None:
    """The characters a match of `pattern` can start with, as a regex class, or None when that cannot be told
    (a pattern that may match empty, or starts with `.`). Prefixed as a lookahead it lets the engine skip the
    positions where none of thirty alternatives can start, in one step each."""
    try:
        from re import _constants as c, _parser
    except ImportError:  # CPython's private modules moved: go without the shortcut
        return None

    def first(seq) -> set[str] | None:
        out: set[str] = set()
        for op, av in seq:
            if op is c.LITERAL:
                return out | {chr(av)}
            if op in (c.ASSERT_NOT, c.ASSERT, c.AT):
                continue
            if op is c.SUBPATTERN or op is c.BRANCH:
                subs = [av[3]] if op is c.SUBPATTERN else av[1]
                for sub in subs:
                    found = first(sub)
                    if found is None:
                        return None
                    out |= found
                return out
            if op in (c.MAX_REPEAT, c.MIN_REPEAT):
                found = first(av[2])
                if found is None:
                    return None
                out |= found
                if av[0] > 0:
                    return out
                continue
            if op is c.IN and all(o is c.LITERAL for o, _ in av):
                return out | {chr(a) for _, a in av}
            return None
        return None  # the sequence may match empty

    chars = first(list(_parser.parse(pattern)))
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]" if chars else None


_ASPECT_BODY = "|".join(f"(?P<a{n}>{p.pattern})" for n, (_, p) in enumerate(ASPECT_PATTERNS))
_ASPECT_FIRST = _first_chars(_ASPECT_BODY)
_ASPECT_ANY = re.compile(f"(?={_ASPECT_FIRST})(?:{_ASPECT_BODY})" if _ASPECT_FIRST else _ASPECT_BODY)
_ASPECT_LABELS = {f"a{n}": label for n, (label, _) in enumerate(ASPECT_PATTERNS)}
_ASPECT_RE = re.compile("|".join(p.pattern for _, p in ASPECT_PATTERNS))
_CLAUSE_RE = re.compile(r"[？?。!！;；]+")
# Any punctuation or space: words on either side were never written as one.
_SEPARATOR_RE = re.compile(r"[\s，,、。？?！!；;：:~～…（）()“”\"'《》]+")
# Spellings a query is re-spelt towards (with the FAQ's own words, see FaqIndex._respell): the literal words of
# the aspect patterns and the synonym table, so 文见/代半/免废/申清 read as 文件/代办/免费/申请.
_SPELLINGS = frozenset(
    w for w in re.findall(r"[\u4e00-\u9fff]+", "|".join(p.pattern for _, p in ASPECT_PATTERNS) + " " + " ".join(
        [k for k in _SYNONYMS] + [v for vs in _SYNONYMS.values() for v in vs] + list(ASPECT_WORDS))) if len(w) > 1
)


@lru_cache(maxsize=1 << 16)  # entries' questions survive a rebuild
def _clause_labels(text: str) -> tuple[tuple[str, ...], ...]:
    """Per clause, the aspect labels its (normalised) wording matches, once per match."""
    out = []
    for clause in _CLAUSE_RE.split(text or ""):
        norm = normalize(clause)
        out.append(tuple(_ASPECT_LABELS[m.lastgroup] for m in _ASPECT_ANY.finditer(norm)) if norm else ())
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def aspects(text: str, name: frozenset = frozenset()) -> frozenset[str]:
    """The kinds of answer a text asks for (条件, 材料, 地点…), clause by clause, 流程 only when nothing else is asked.

    `name`: labels the service's own name matches (献血费用返还 -> 费用, 营业执照变更 -> 变更); one match of each
    is not a question ("献血费用返还流程是啥" asks 流程; "…要交费用吗" still asks 费用)."""
    found: set[str] = set()
    pending = set(name)
    for matched in _clause_labels(text):
        counts = Counter(matched)
        for label in [lb for lb in pending if counts[lb]]:
            counts[label] -= 1
            pending.discard(label)
        labels = {lb for lb, c in counts.items() if c > 0}
        for label in list(labels):
            labels.difference_update(_ASPECT_IMPLIES.get(label, ()))
        if len(labels) > 1:
            labels.discard("流程")
        found |= labels
    return frozenset(found)


def subject(norm: str) -> str:
    """A normalised text without its aspect words: roughly the service it is about."""
    return _ASPECT_RE.sub(" ", norm)


@lru_cache(maxsize=1 << 16)
def subject_tokens(norm: str) -> tuple[tuple[str, ...], ...]:
    """The subject's runs of content words: jieba words that are not stop, light, asking or connecting words, kept
    together while adjacent."""
    # jieba's cut of the whole text (cached, as `words` cuts it); a word touching an aspect match ends a run
    aspect_at = {k for m in _ASPECT_RE.finditer(norm) for k in range(m.start(), m.end())}
    runs, cur, at = [], [], 0
    for piece in _PIECES_RE.split(norm):
        for w in (_cut(piece) if piece else ()):
            start, at = at, at + len(w)
            if (w in _STOPWORDS or w in LIGHT_WORDS or w in _ASKING_WORDS or _PIECES_RE.fullmatch(w)
                    or (aspect_at and any(k in aspect_at for k in range(start, at)))):
                if cur:
                    runs.append(tuple(cur))
                cur = []
            else:
                cur.append(w)
    if cur:
        runs.append(tuple(cur))
    return tuple(runs)


@lru_cache(maxsize=1 << 16)
def _split_words(norm: str) -> tuple[str, ...]:
    """Sounds of the dictionary words of two characters that jieba cut into a one-character stop word and a
    one-character noun (哪里|上|牌 for 上牌): the noun names the subject as much as a longer word does, but alone it
    has no bigram to compare, so 「电动车上牌去哪里」 read as just 电动自行车 and got the 充电桩 entry's answer."""
    cut = [w for piece in _PIECES_RE.split(norm) if piece for w in _cut(piece)]
    out = []
    for k, w in enumerate(cut):
        if len(w) != 1 or w in _PERSON_WORDS or w in _STOPWORDS or w in LIGHT_WORDS or not _NAME_TAGS.match(_pos(w)):
            continue
        for pair in ((cut[k - 1] + w) if k and cut[k - 1] in _STOPWORDS else "",
                     (w + cut[k + 1]) if k + 1 < len(cut) and cut[k + 1] in _STOPWORDS else ""):
            if len(pair) == 2 and jieba.dt.FREQ.get(pair):
                out.append(sound(pair))
    return tuple(out)


def subject_runs(norm: str) -> tuple[str, ...]:
    """The runs of `subject_tokens` joined: a name jieba cuts apart (公|租房, 居住|正明) is still compared whole."""
    return tuple("".join(run) for run in subject_tokens(norm))


FOLLOW_UP_MAX_LEN = 20


def follow_up(text: str) -> bool:
    """A short question that asks only for a kind of answer (需要什么材料, 在哪里办, 丢了怎么补办) and names no service
    of its own: in a chat it asks about the entry just answered. 「那低保呢」 names one; 「好的」 asks nothing."""
    norm = normalize(text)
    if not norm or len(norm) > FOLLOW_UP_MAX_LEN or not aspects(text):
        return False
    return all(len(run) <= 1 or run in _PERSON_WORDS for run in subject_runs(norm))


def topic_of(question: str) -> str:
    """The service an entry's question is about, without what it asks (居住证办理需要哪些材料？ → 居住证): put before a
    follow-up (「居住证，在哪里办」) it lets the index find the sibling entry that answers the follow-up."""
    return "".join(subject_runs(normalize(question)))


_SYN_PAIRS = sorted(((v, k) for k, vs in _SYNONYMS.items() for v in vs), key=lambda p: len(p[0]), reverse=True)
_SYN_RE = _trie_regex(v for v, _ in _SYN_PAIRS)
_SYN_MAP = dict(_SYN_PAIRS)
# Full-width ASCII and the ideographic space folded to half width (what NFKC does for this text, 3x faster).
_WIDTH = {0x3000: 0x20, **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}}
_PUNCT_RE = re.compile(r"[\W_]+", re.UNICODE)
_STOPWORDS = frozenset(
    "的 了 吗 么 嘛 呢 一下 我 我们 我家 俺 你 你们 您 他 她 是 在 和 与 及 或 就 都 也 还 又 这 那 这个 那个 一下 一个 请 给 把 被 让 有 个 吧 啊 要 去 能 会 对 到 从 上 下".split()
)


# Words in nearly every question (办理/需要/申请…): they tell neighbouring entries apart by accident only.
LIGHT_WORDS = ("需要", "办理", "可以", "申请", "怎么", "什么", "我", "吗", "是", "有", "能", "的")


@lru_cache(maxsize=1 << 18)
def normalize(text: str) -> str:
    """Fold width and case, drop greetings, particles and punctuation, and map synonyms onto one spelling."""
    text = (text or "").translate(_WIDTH).lower()
    text = _PARTICLE_RE.sub(" ", text)
    text = _CHATTER_RE.sub(" ", text)
    text = _SYN_RE.sub(lambda m: _SYN_MAP[m.group(0)], text)
    return _PUNCT_RE.sub("", text)


_SOUND: dict[int, int] = {}


def sound(norm: str) -> str:
    """Every Chinese character replaced by one standing for its toneless pinyin, so 居住正 reads as 居住证.

    Residents type with pinyin input methods; their typos are nearly always homophones.
    """
    if not _SOUND:
        _SOUND.update(_sound_table())
    return norm.translate(_SOUND)


_SOUND_ARRAY: np.ndarray | None = None


def sound_many(texts: list[str]) -> list[str]:
    """`sound` for many texts at once: one numpy lookup over all their characters."""
    global _SOUND_ARRAY
    if _SOUND_ARRAY is None:
        sound("")
        _SOUND_ARRAY = np.arange(0x110000, dtype=np.uint32)
        keys = np.fromiter(_SOUND.keys(), dtype=np.uint32, count=len(_SOUND))
        _SOUND_ARRAY[keys] = np.fromiter(_SOUND.values(), dtype=np.uint32, count=len(_SOUND))
    joined = "\x00".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    return _SOUND_ARRAY[codes].tobytes().decode("utf-32-le").split("\x00")


SOUNDS_FILE = Path(__file__).with_name("data") / "sounds.txt"


def _sound_table() -> dict[int, int]:
    """Each character to the first character of its sound class, from SOUNDS_FILE (`python -m
    knowledge_base.make_sounds` writes it from pypinyin's table: one line per reading, characters in code order)."""
    table: dict[int, int] = {}
    for line in SOUNDS_FILE.read_text(encoding="utf-8").splitlines():
        chars = line.partition("\t")[2]
        first = ord(chars[0])
        table.update(dict.fromkeys(map(ord, chars[1:]), first))
    return table


def bigrams(norm: str) -> list[str]:
    """Character bigrams of a normalised text (a one-character text is its own gram)."""
    if len(norm) < 2:
        return [norm] if norm else []
    return [norm[i : i + 2] for i in range(len(norm) - 1)]


# Questions repeat their connecting words; cutting the pieces between them lets the cache below do most of jieba's work.
_PIECES_RE = re.compile("(办理|需要|申请|什么|怎么|可以|哪里|多久|费用|材料|条件|的|吗|是|有|和|及|与|或|在)")


@lru_cache(maxsize=1 << 18)  # a rebuild after one edit re-cuts only the changed question
def words(norm: str) -> tuple[str, ...]:
    """jieba words of a normalised text without stop words."""
    return tuple(w for piece in _PIECES_RE.split(norm) if piece for w in _cut(piece) if w not in _STOPWORDS)


@lru_cache(maxsize=1 << 16)
def word_bounds(norm: str) -> frozenset[int]:
    """Offsets in a normalised text where jieba's words (as `words` cuts them) begin or end."""
    at, bounds = 0, {0}
    for piece in _PIECES_RE.split(norm):
        for w in (_cut(piece) if piece else ()):
            at += len(w)
            bounds.add(at)
    return frozenset(bounds)


@lru_cache(maxsize=1 << 18)
def _cut(piece: str) -> tuple[str, ...]:
    return tuple(w for w in jieba.lcut(piece, HMM=False) if w.strip())


@dataclass(frozen=True)
class FaqDoc:
    """One FAQ entry as the matcher sees it."""

    code: str
    question: str
    answer: str = ""
    alternatives: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    category: str | None = None
    department: str | None = None
    source: str | None = None
    effective_from: date | None = None
    effective_until: date | None = None
    status: str = "published"

    def is_active(self, today: date) -> bool:
        """Published and inside its dates on `today`."""
        return (
            self.status == "published"
            and (self.effective_from is None or self.effective_from <= today)
            and (self.effective_until is None or today <= self.effective_until)
        )


@dataclass(frozen=True)
class Candidate:
    code: str
    question: str
    score: float


@dataclass(frozen=True)
class Match:
    """The outcome (answer | menu | unknown), the answered code, its confidence and the ranked candidates."""

    outcome: str
    code: str | None
    score: float
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.outcome == ANSWER

    @property
    def menu_codes(self) -> list[str]:
        return [c.code for c in self.candidates] if self.outcome == MENU else []


@dataclass(frozen=True)
class Thresholds:
    """Confidence cut-offs, tuned by knowledge_base.evaluate on a synthetic 2,000-entry FAQ and real messages."""

    answer: float = 0.70  # a confident answer needs at least this confidence ...
    margin: float = 0.13  # ... and this lead over the runner-up
    aspect_margin: float = 0.06  # a smaller lead suffices when only the best entry has the aspects asked about
    aspect_answer: float = 0.45  # answer the only close entry that has the aspects asked about, from this confidence
    aspect_floor: float = 0.40  # ... the sole fit may score this low when the best candidate reaches aspect_answer
    aspect_lead: float = 0.08  # ... when it leads the next such entry by this much
    subject_cover: float = 0.8  # ... and covers this share of the query's subject (its words without aspect words)
    names_found: float = 0.3  # any answer: the query says this share (by idf) of the entry's rare words (廉租房, 犬只…)
    leader: float = 0.33  # answer the top entry from this confidence when it is a clear leader ...
    leader_lead: float = 0.15  # ... this far ahead of the runner-up ...
    leader_said: float = 0.8  # ... and the query says this share (by idf) of its rare words
    menu: float = 0.35  # below this: unknown
    menu_gap: float = 0.2  # menu items within this of the best ...
    menu_cover: float = 0.25  # ... that hold at least this share of the query's subject
    menu_size: int = 3
    shortlist: int = 12


_NO_DATE, _FAR = -(10**9), 10**9


@contextmanager
def _gc_paused():
    """The cyclic GC off for a block that makes many small objects (and back on after, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class FaqIndex:
    """An immutable index over FAQ docs; build once, match many times (thread-safe for reads)."""

    def __init__(self) -> None:
        raise TypeError("use FaqIndex.build(docs)")

    @classmethod
    def build(cls, docs, thresholds: Thresholds | None = None) -> "FaqIndex":
        self = object.__new__(cls)
        self.thresholds = thresholds or Thresholds()
        self.docs = list(docs)
        self._by_code = {d.code: i for i, d in enumerate(self.docs)}
        with _gc_paused():  # millions of small objects: cyclic GC passes would double the build time
            vocab, tids, tfs, doc_ids, lengths = self._count_terms()
        self._vocab = vocab
        n = max(len(self.docs), 1)
        tid_arr = np.asarray(tids, dtype=np.int64)
        doc_arr = np.asarray(doc_ids, dtype=np.int32)
        tf_arr = np.asarray(tfs, dtype=np.float32)
        df = np.bincount(tid_arr, minlength=len(vocab)).astype(np.float32)
        self._idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self._idf_unknown = float(math.log1p((n + 0.5) / 0.5))
        self._df = df
        k1, b = 1.2, 0.75
        avgdl = float(lengths.mean()) if len(self.docs) else 1.0
        dl = lengths[doc_arr] if len(doc_arr) else tf_arr
        weights = self._idf[tid_arr] * tf_arr * (k1 + 1) / (tf_arr + k1 * (1 - b + b * dl / avgdl))
        order = np.argsort(tid_arr, kind="stable")
        self._post_docs = doc_arr[order]
        self._post_w = weights[order].astype(np.float32)
        self._indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=self._indptr[1:])
        self._status_ok = np.array([d.status == "published" for d in self.docs], dtype=bool)
        self._from = np.array([d.effective_from.toordinal() if d.effective_from else _NO_DATE for d in self.docs], dtype=np.int64)
        self._until = np.array([d.effective_until.toordinal() if d.effective_until else _FAR for d in self.docs], dtype=np.int64)
        self._active_cache: dict[int, np.ndarray] = {}
        self._wmap: dict[str, float] | None = None
        self._phr_cache: dict[int, tuple] = {}
        self._aspect_cache: dict[int, frozenset] = {}
        self._names_cache: dict[int, dict] = {}
        self._spell: dict[str, str | None] | None = None
        self._matches: dict[tuple[str, date], Match] = {}
        if len(self.docs) <= self.WARM_MAX:
            self._warm()
        return self

    # Each entry's sounds, bigram weights, kinds of question and rare words are worked out the first time a query
    # shortlists it (~0.13 ms an entry): twelve new candidates made a query 1-3 ms instead of 0.5. An FAQ of up to
    # this many entries has them all worked out at build time instead (0.6 s for 5,000); a larger one keeps its
    # build within seconds and works them out as queries come.
    WARM_MAX = 20000

    def _warm(self) -> None:
        with _gc_paused():
            for i in range(len(self.docs)):
                self._doc_phrasings(i)
                self._doc_aspects(i)
                self._rare_of_question(i)

    def _count_terms(self):
        """Every entry's terms with their counts: the sound bigrams of its phrasings (a one-character phrasing is its
        own term), counted for all entries at once with numpy, and its question's jieba words and its keywords."""
        self._phrasings = [_phrasings(d) for d in self.docs]
        keywords = [tuple(k for k in map(normalize, d.keywords) if k) for d in self.docs]
        self._joined = ["\x00".join(p + k) for p, k in zip(self._phrasings, keywords)]
        n_docs = len(self.docs)
        if n_docs >= 1 << 21:
            raise ValueError("an FAQ index holds at most 2,097,151 entries")
        flat = sound_many([p for phr in self._phrasings for p in phr]) if n_docs else []
        # Each phrasing's bigrams as one int (c0 << 21 | c1; a one-character phrasing c0 << 21, an empty one 0), found
        # in the separator-joined text, and the (entry, term) pairs counted by one np.unique.
        lens = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
        per_phrasing = np.where(lens > 1, lens - 1, 1)
        at = np.repeat(np.cumsum(lens + 1) - (lens + 1) - (np.cumsum(per_phrasing) - per_phrasing), per_phrasing)
        at += np.arange(len(at))  # each phrasing's start, plus the gram's offset in it
        codes = np.append(np.frombuffer("\x00".join(flat).encode("utf-32-le"), dtype=np.uint32).astype(np.int64), (0, 0))
        key = codes[at + 1]
        key *= np.repeat(lens > 1, per_phrasing)
        key |= codes[at] << 21
        del at, codes
        key |= np.repeat(np.repeat(np.arange(n_docs, dtype=np.int64) << 42, list(map(len, self._phrasings))), per_phrasing)
        pairs, tf_grams = np.unique(key, return_counts=True)
        del key
        gram_codes = pairs & ((1 << 42) - 1)
        doc_of_pair = pairs >> 42
        del pairs
        known_codes = np.unique(gram_codes)
        vocab: dict[str, int] = {
            (chr(hi) + chr(lo) if lo else chr(hi) if hi else ""): tid
            for tid, (hi, lo) in enumerate(zip((known_codes >> 21).tolist(), (known_codes & 0x1FFFFF).tolist()))
        }
        lengths = np.bincount(doc_of_pair, weights=tf_grams, minlength=n_docs).astype(np.float32)
        word_tids: list[int] = []
        word_tfs: list[int] = []
        word_docs: list[int] = []
        for i, (qwords, kws) in enumerate(zip(map(words, (p[0] for p in self._phrasings)), keywords)):
            counts = Counter(["\x01" + w for w in qwords + kws])
            lengths[i] += counts.total()
            word_tids.extend([vocab.setdefault(term, len(vocab)) for term in counts])
            word_tfs.extend(counts.values())
            word_docs.extend([i] * len(counts))
        tids = np.concatenate([np.searchsorted(known_codes, gram_codes), np.asarray(word_tids, dtype=np.int64)])
        tfs = np.concatenate([tf_grams, np.asarray(word_tfs, dtype=np.int64)])
        doc_ids = np.concatenate([doc_of_pair, np.asarray(word_docs, dtype=np.int64)])
        return vocab, tids, tfs, doc_ids, lengths

    def __len__(self) -> int:
        return len(self.docs)

    def get(self, code: str) -> FaqDoc | None:
        i = self._by_code.get(code)
        return None if i is None else self.docs[i]

    def _inactive(self, today: date) -> np.ndarray:
        """Indices of docs that must not be answered on `today` (cached for the day)."""
        key = today.toordinal()
        idx = self._active_cache.get(key)
        if idx is None:
            active = self._status_ok & (self._from <= key) & (self._until >= key)
            idx = np.flatnonzero(~active)
            self._active_cache = {key: idx}  # one day at a time is all a running bot needs
        return idx

    # How much a term counts when comparing a query with a candidate: idf ** GAMMA. Plain idf lets the
    # subject (居住证) drown the aspect (收费/材料/条件) that tells neighbouring entries apart; 0.25 won the sweep.
    GAMMA = 0.25
    # confidence = QCOV * (share of the query found in the entry) + PCOV * sqrt(share of the best phrasing found
    # in the query) + FUZZ * (rapidfuzz ratio, or 0.9 * partial ratio, with that phrasing)
    QCOV, PCOV, FUZZ = 0.5, 0.3, 0.2
    LIGHT = 0.3  # weight factor of LIGHT_WORDS
    # A query bigram no entry has (我刚退休、我爸85了) weighs this share of the rarest known term: it lowers every
    # candidate's confidence alike, so at full weight persona openers pushed right answers under the cut-offs.
    UNKNOWN = 0.5

    def _weights(self) -> tuple[dict[str, float], float]:
        if self._wmap is None:
            idf = (self._idf ** self.GAMMA).tolist()
            self._wmap = {term: idf[tid] for term, tid in self._vocab.items()}
            for word in LIGHT_WORDS:
                for key in (sound(word), "\x01" + word):
                    if key in self._wmap:
                        self._wmap[key] *= self.LIGHT
        return self._wmap, self._idf_unknown ** self.GAMMA

    def retrieve(self, snorm: str, qwords: tuple[str, ...], today: date, k: int) -> list[tuple[int, float]]:
        """BM25 over the posting lists of the query's terms; returns the top `k` active docs."""
        terms = {g for g in bigrams(snorm)} | {"\x01" + w for w in qwords}
        tids = [self._vocab[t] for t in terms if t in self._vocab]
        if not tids or not self.docs:
            return []
        n = len(self.docs)
        rare = [t for t in tids if self._df[t] <= 0.1 * n] or tids  # very common terms only add noise and time
        if len(rare) == 1:
            t = rare[0]
            d = self._post_docs[self._indptr[t] : self._indptr[t + 1]]
            w = self._post_w[self._indptr[t] : self._indptr[t + 1]]
        else:
            d = np.concatenate([self._post_docs[self._indptr[t] : self._indptr[t + 1]] for t in rare])
            w = np.concatenate([self._post_w[self._indptr[t] : self._indptr[t + 1]] for t in rare])
        scores = np.bincount(d, weights=w, minlength=n)
        inactive = self._inactive(today)
        if len(inactive):
            scores[inactive] = 0.0
        hit = np.flatnonzero(scores)
        if len(hit) > k:
            hit = hit[np.argpartition(-scores[hit], k)[:k]]
        return [(int(i), float(scores[i])) for i in hit]

    def _query_terms(self, snorm: str, qwords: tuple[str, ...]) -> tuple[dict[str, float], dict[str, float], float]:
        """The query's bigrams and words with weights (a word unknown as a word weighs as its first bigram)."""
        wmap, unknown = self._weights()
        unknown *= self.UNKNOWN
        grams = {g: wmap.get(g, unknown) for g in bigrams(snorm)}
        wds = {wd: wmap.get("\x01" + wd) or wmap.get(wd[:2], unknown) for wd in qwords}
        return grams, wds, sum(grams.values()) + sum(wds.values())

    def _doc_phrasings(self, i: int) -> tuple[frozenset, list[tuple[str, frozenset, float]]]:
        cached = self._phr_cache.get(i)
        if cached is None:
            wmap, unknown = self._weights()
            phrasings = []
            for p in self._phrasings[i]:
                sp = sound(p)
                grams = frozenset(bigrams(sp))
                phrasings.append((sp, grams, sum(wmap.get(g, unknown) for g in grams)))
            every = frozenset(g for part in self._joined[i].split("\x00") for g in bigrams(sound(part)))
            cached = (every, phrasings)
            self._phr_cache[i] = cached
        return cached

    def score(self, snorm: str, query: tuple[dict[str, float], dict[str, float], float], i: int) -> tuple[float, float]:
        """Confidence in [0, 1] that doc `i` answers the query (`snorm`: its normalised text as sounds), and the
        share of the query the doc explains."""
        qgrams, qwords, total = query
        joined = self._joined[i]
        every, phrasings = self._doc_phrasings(i)
        found = sum(qgrams[g] for g in every.intersection(qgrams)) + sum(w for t, w in qwords.items() if t in joined)
        qcov = found / total if total else 0.0
        best = 0.0
        for p, grams, ptotal in phrasings:
            pcov = sum(qgrams[g] for g in grams.intersection(qgrams)) / ptotal if ptotal else 0.0
            # Official questions carry context (根据…规定，本区居民…) that a resident leaves out: the square root and
            # the partial ratio (the query against the best-matching stretch of the question) forgive that.
            fz = fuzz.ratio(snorm, p)
            if len(p) > len(snorm) + 3:  # only a longer question can hide the query inside it
                fz = max(fz, 0.9 * fuzz.partial_ratio(snorm, p))
            fz /= 100.0
            best = max(best, self.PCOV * min(pcov, 1.0) ** 0.5 + self.FUZZ * fz)
        return self.QCOV * qcov + best, qcov

    def _same_aspects(self, norm: str, i: int, *, require_some: bool = False) -> bool:
        """Every aspect the query asks about (哪里, 费用, 材料…) is in the entry too (and, if `require_some`,
        the query asks about at least one)."""
        if not self.ASPECT_CHECK:
            return True
        asked = [a for a in ASPECT_WORDS if a in norm]
        if require_some and not asked:
            return True  # nothing to tell the two apart by
        joined = self._joined[i]
        return all(a in joined for a in asked)

    ASPECT_CHECK = True  # switch for experiments in knowledge_base.evaluate

    def _doc_aspects(self, i: int, name: frozenset = frozenset()) -> frozenset[str]:
        found = self._aspect_cache.get((i, name))
        if found is None:
            doc = self.docs[i]
            found = frozenset().union(*(aspects(t, name) for t in (doc.question, *doc.alternatives)))
            self._aspect_cache[(i, name)] = found
        return found

    NAME_SIBLINGS = 4  # shortlisted entries of the service, all with the label, before it is read as part of the name

    # Bigrams no entry has count this share of an unknown term in the subject cover, and only against an entry
    # whose own name the query says just in part: 创业担保|贷款 is not 助学贷款 (a service the FAQ lacks), while
    # 我刚退休，职工医保 says all of 职工医保 and the persona words do not count.
    COVER_UNKNOWN = 0.2
    SPLIT_WORDS = True
    SETTING_CHECK = True
    HALF_KNOWN = True

    def _query_subject(self, text: str) -> tuple[dict[str, float], float, float]:
        """The query's subject as weighted sound bigrams: runs of content words (so 公租房 cut 公|租房 keeps 公租),
        without the bigrams no entry has. Those (我刚退休、我爸85了、麻烦回复) cannot tell entries apart; left in, they
        pushed most persona-led questions under the cover. A service the FAQ lacks is still refused: its known part
        must be covered, and the names check asks for the entry's own rare words. Person words (老人、子女、本人)
        are left out: who asks is not what is asked about.

        Returns (known bigrams and their weights, the weight of the unknown ones, counted when the entry's own
        names are not all said, and the weight of what no entry can cover, counted always): a noun of the query
        that the FAQ holds only in part (结婚登记 where only 登记 is known) names a service the FAQ lacks, so
        「结婚登记去哪」 is not answered from an entry whose phrasing 「…在哪登记」 has no other rare word."""
        wmap, unknown = self._weights()
        grams: dict[str, float] = {}
        split: set[str] = set()
        half_known: set[str] = set()
        for c in _SEPARATOR_RE.split(text):
            norm = normalize(c) if c else ""
            for run in subject_tokens(norm):  # clause by clause: 个事，低保 is not the run 事低保
                for part in re.split("\x00+", "".join("\x00" if w in _PERSON_WORDS else w for w in run)):
                    if len(part) > 1:
                        grams.update((g, wmap.get(g, 0.0)) for g in bigrams(sound(part)))
                if self.HALF_KNOWN:
                    for w in run:
                        if len(w) > 2 and w not in _PERSON_WORDS and _NAME_TAGS.match(_pos(w)):
                            wg = bigrams(sound(w))
                            if any(g in wmap for g in wg):
                                half_known.update(g for g in wg if g not in wmap)
            split.update(_split_words(norm))
        strange = sum(1 for g, w in grams.items() if not w and g not in half_known) * unknown * self.COVER_UNKNOWN
        # a lone character's word that no entry has is a name the FAQ lacks: it counts in full
        if self.SPLIT_WORDS:
            strange += sum(unknown for g in split if g not in wmap and g not in grams)
        return {g: w for g, w in grams.items() if w}, strange, len(half_known) * unknown

    RESPELL = True
    _COMMON_WORD = 100  # jieba dictionary frequency from which a stretch of the query is a word in its own right

    def _spellings(self) -> dict[str, str | None]:
        """Sound -> the one spelling the FAQ and the matcher's tables use for it (None when two spellings share it)."""
        if self._spell is None:
            known = sorted({t[1:] for t in self._vocab if t.startswith("\x01") and len(t) > 2} | _SPELLINGS)
            table: dict[str, str | None] = {}
            for w, sw in zip(known, sound_many(known)):
                table[sw] = w if table.get(sw, w) == w else None
            self._spell = table
            self._spell_heads = frozenset(k[:2] for k in table)
        return self._spell

    def _respell(self, text: str) -> str:
        """The query with homophone typos of known words put right (代半 -> 代办, 等记 -> 登记, 文见 -> 文件).

        Bigrams and the fuzzy ratio compare sounds already; aspect patterns, synonyms and jieba read characters,
        so a typo inside an aspect word used to hide the kind of question asked. A stretch of 2-6 characters is
        re-spelt only when its sound has exactly one known spelling, one character differs, the stretch is not a
        common word itself (使用 / 适用 share a sound and are both known, so neither is touched) and the character
        is not part of a correctly spelt known word; longer stretches first."""
        if not self.RESPELL:
            return text
        table = self._spellings()
        text = (text or "").translate(_WIDTH).lower()
        stext = sound(text)
        if stext == text:
            return text
        freq = jieba.dt.FREQ
        n = len(text)
        protected = [False] * n  # inside a correctly spelt known word: never changed (资 of 资料 is not 子 of 啥子)
        fixes = []
        heads = self._spell_heads
        for i in range(n - 1):
            if stext[i : i + 2] not in heads:  # no known spelling starts with these two sounds
                continue
            for size in range(2, min(6, n - i) + 1):
                spelt = table.get(stext[i : i + size])
                if not spelt:
                    continue
                piece = text[i : i + size]
                changed = [k for k in range(size) if piece[k] != spelt[k]]
                if not changed:
                    protected[i : i + size] = [True] * size
                elif len(changed) == 1 and (freq.get(piece) or 0) < self._COMMON_WORD:
                    fixes.append((size, i, spelt, i + changed[0]))
        chars = list(text)
        taken = [False] * n
        for size, i, spelt, at in sorted(fixes, key=lambda f: (-f[0], f[1])):
            if protected[at] or any(taken[i : i + size]):
                continue
            chars[at] = spelt[at - i]
            taken[i : i + size] = [True] * size
        return "".join(chars)

    _CLAUSE_SPLIT_RE = re.compile(f"({_SEPARATOR_RE.pattern})")  # the separators kept, to put the text back together

    # Where residents turn from their story to their question: 我家住三楼没电梯老伴腿脚不好想问下居住证怎么办.
    _ASK_RE = re.compile(r"(?:请问|想问一下|想问下|想问问|我想问|想咨询一下|想咨询|咨询一下|问一下|问下|问个事|麻烦问)")

    def _after_the_ask(self, text: str) -> str:
        """What follows the last 'I want to ask' of a message, when that alone names a service and asks something;
        the story before it (often about other things: 漏水、广场舞) only blurs the question."""
        marks = list(self._ASK_RE.finditer(text))
        if not marks:
            return text
        rest = text[marks[-1].end():]
        if len(rest) < 4 or not aspects(rest) or not self._names_something(rest):
            return text
        return rest

    def _without_foreign_clauses(self, text: str) -> str:
        """The query without its clauses that share no word or bigram with the FAQ and ask nothing (不晓得问谁、
        我是新来的不太懂): such a clause cannot point at any entry, and left in it only dilutes the confidence
        that the rest of the question names one. Unchanged when nothing, or everything, would go."""
        parts = self._CLAUSE_SPLIT_RE.split(text)
        if len(parts) < 3:
            return text
        wmap, _ = self._weights()
        kept, dropped = [], False
        for k in range(0, len(parts), 2):
            clause = parts[k]
            norm = normalize(clause)
            if norm and not aspects(clause) and not any(g in wmap for g in bigrams(sound(norm))):
                dropped = True
                continue
            kept.append(clause + (parts[k + 1] if k + 1 < len(parts) else ""))
        rest = "".join(kept)
        if not dropped or not self._names_something(rest):
            return text
        return rest

    def _names_something(self, text: str) -> bool:
        """The text says a word that few entries have (a service's name: 居住证, 犬只…), not only common ones."""
        return any(self._rare_id(w) is not None for w in words(normalize(text)))

    def _situation(self, text: str) -> bool:
        """A clause asking 流程 (怎么办、咋弄) also says something the FAQ has no word for (申请被退回来了咋弄):
        the resident describes a situation and asks what to do about it, not how to apply. 流程 is the label
        asked when nothing more specific is recognised, so an unrecognised situation must not be read as it."""
        wmap, _ = self._weights()
        for clause in _SEPARATOR_RE.split(text):
            norm = normalize(clause)
            if not norm or "流程" not in aspects(clause):
                continue
            for run in subject_tokens(norm):
                for w in run:
                    if len(w) > 1 and w not in _PERSON_WORDS and any(g not in wmap for g in bigrams(sound(w))):
                        return True
        return False

    def _fused_clauses(self, text: str) -> tuple[str, ...]:
        """`_fused_words` clause by clause: normalising drops punctuation, and a character of one clause fused
        with a name of the next (个事，低保 -> 事低保) made the query seem to name another service."""
        clauses = [c for c in _SEPARATOR_RE.split(text) if c]
        if len(clauses) < 2:
            return self._fused_words(normalize(text))
        return tuple(w for c in clauses for w in self._fused_words(normalize(c)))

    def _fused_words(self, norm: str) -> tuple[str, ...]:
        """Sounds of a single character joined to the content word beside it when the FAQ never uses that character
        as a word of its own (公|租房 -> 公租房, not 办|居住证): with _fused, 租房 there is not said."""
        out = []
        for run in subject_tokens(norm):
            for k, w in enumerate(run):
                if len(w) == 1 and "\x01" + w not in self._vocab and _NAME_TAGS.match(_pos(w)):
                    left = run[k - 1] if k else ""
                    right = run[k + 1] if k + 1 < len(run) else ""
                    if len(left) > 1 or len(right) > 1:
                        out.append(sound((left if len(left) > 1 else "") + w + (right if len(right) > 1 else "")))
        return tuple(out)

    def _subject_cover(self, qsubject: tuple[dict[str, float], float, float], i: int, snorm: str = "",
                       qnames: tuple[str, ...] = ()) -> float:
        known, strange, lacking = qsubject
        total = sum(known.values()) + lacking
        if strange and snorm and self._names_found(snorm, i, qnames, full=True) < 1.0:
            total += strange
        if not total:
            return 0.0
        every, _ = self._doc_phrasings(i)
        return sum(w for g, w in known.items() if g in every) / total

    @staticmethod
    def _fits(asked: frozenset, has: frozenset) -> bool:
        return all(a in has or _FITS.get(a, frozenset()) & has for a in asked)

    def _named(self, snorm: str, qnames: tuple[str, ...], i: int, qruns: tuple[str, ...] = ()) -> bool:
        """The query names this entry's service: enough of the entry's rare words, and no word of the query that
        the entry only holds across its own word boundaries (居住证 inside 居住|证明)."""
        if self._names_found(snorm, i, qnames + qruns) < self.thresholds.names_found:
            return False
        for w in qnames:
            if not any(self._unbroken(w, p) for p in self._phrasings[i]):
                return False
        return True

    @staticmethod
    def _unbroken(w: str, phrasing: str) -> bool:
        """`w` (sounds) is absent from the phrasing, or somewhere in it not cut across by one of its word boundaries."""
        sp = sound(phrasing)
        at = sp.find(w)
        if at < 0:
            return True
        bounds = word_bounds(phrasing)
        while at >= 0:
            if not any(at < b < at + len(w) for b in bounds):
                return True
            at = sp.find(w, at + 1)
        return False

    def _names_found(self, snorm: str, i: int, qnames: tuple[str, ...] = (), full: bool = False) -> float:
        """Share (by idf) of the entry's rare words (in few entries: 廉租房, 犬只, 占道…) that the query says too,
        compared as sounds, for the best of the entry's phrasings (the question first: alternatives are cut by jieba
        only when it falls short). 'Subject covered' alone lets 公租房 match 廉租房 and 经营许可 match 占道经营许可."""
        names = self._names_cache.setdefault(i, {})
        best = 0.0
        for n, phrasing in enumerate(self._phrasings[i]):
            found = names.get(n)
            if found is None:
                found = names[n] = self._rare_words(phrasing)
            total = sum(w for _, w in found)
            said = [(name, w) for name, w in found if name in snorm  # 租房 inside the query's 公租房 is not said
                    and not any(_fused(name, q) and q not in self._sounds_of(i) for q in qnames)]
            share = sum(w for _, w in said) / total if total else 1.0
            best = max(best, share)
            if best >= (1.0 if full else self.thresholds.names_found):
                break
        return best

    def _other_service(self, i: int, j: int, snorm: str) -> bool:
        """Entries i and j each have a rare word (食品 / 占道) that the other lacks and the query does not say:
        they are about two services whose shared part (经营许可) is all the query names."""
        def unsaid(a: int, b: int) -> bool:
            theirs = {w for w, _ in self._rare_of_question(b)}
            return any(w not in snorm and w not in theirs for w, _ in self._rare_of_question(a))
        return unsaid(i, j) and unsaid(j, i)

    SITUATION_CHECK = True
    UNSAID_SITUATION = True  # an entry for a situation the query does not say (遗失, 变更…) is no sole fit

    def _situation_unsaid(self, i: int, j: int, snorm: str) -> bool:
        """Entry i says something rare (a situation: 首次购房, 外省参保, 辞职) that its twin j does not and the query
        does not say either: the query fits both, and nothing tells which situation is the resident's."""
        theirs = self._sounds_of(j)
        return any(w not in snorm and w not in theirs for w, _ in self._rare_of_question(i))

    STATED_SITUATION = True  # a sole fit for another situation of the service than the one the resident says is none

    def _story_words(self, text: str) -> tuple[str, ...]:
        """The words of the query's clauses that ask nothing, when another clause asks (公办的养老院，入住收不收费):
        where a resident says whose case it is."""
        clauses = [c for c in _SEPARATOR_RE.split(text) if normalize(c)]
        asking = [bool(aspects(c)) for c in clauses]
        if len(clauses) < 2 or not any(asking):
            return ()
        return tuple(w for c, a in zip(clauses, asking) if not a for w in words(normalize(c)))

    def _another_situation(self, i: int, snorm: str, text: str) -> bool:
        """The resident's story names a situation (公办的养老院，…) that entry i has nowhere, while entry i's question
        says one the query does not (民办); and the FAQ has the resident's situation for the same service, in entries
        on other questions (公办: 材料, 地点). The entry is then for someone else's case, and the one for the
        resident's is missing: answering it was a wrong answer. Without such entries a story word may be the
        resident's own words for the entry's situation (海葬 for 生态), and nothing is concluded."""
        theirs = self._sounds_of(i)
        own = self._rare_of_question(i)
        if not any(w not in snorm for w, _ in own):
            return False
        service = {w for w, _ in own if w in snorm}  # what the query names of the entry: its service
        for w in self._story_words(text):
            tid = self._rare_id(w) if len(w) > 1 and w not in _PERSON_WORDS and _NAME_TAGS.match(_pos(w)) else None
            if tid is None or sound(w) in theirs:
                continue
            # the FAQ has the resident's situation for this same service, in an entry of another kind of question
            docs = self._post_docs[self._indptr[tid] : self._indptr[tid + 1]].tolist()
            if any(j != i and service & {v for v, _ in self._rare_of_question(j)} for j in docs):
                return True
        return False

    def _rare_of_question(self, i: int) -> list[tuple[str, float]]:
        names = self._names_cache.setdefault(i, {})
        found = names.get(0)
        if found is None:
            found = names[0] = self._rare_words(self._phrasings[i][0])
        return found

    def _sounds_of(self, i: int) -> str:
        """The sounds of all the entry's phrasings (question and alternatives), joined."""
        return "\x00".join(p for p, _, _ in self._doc_phrasings(i)[1])

    def _rare_words(self, phrasing: str) -> list[tuple[str, float]]:
        found = []
        for w in words(phrasing):  # cached since the build for questions
            tid = self._rare_id(w)
            if tid is not None:
                found.append((sound(w), float(self._idf[tid])))
        return found

    def _rare_id(self, w: str) -> int | None:
        """The term id of `w` when few entries have it (a service's name: 廉租房, 犬只…), else None; aspect words,
        light words and official boilerplate never count."""
        if _ASPECT_RE.search(w) or w in LIGHT_WORDS or w in _BOILERPLATE:
            return None
        tid = self._vocab.get("\x01" + w)
        return tid if tid is not None and self._df[tid] <= max(30, 0.015 * len(self.docs)) else None

    def _by_aspect(self, text: str, snorm: str, qnames: tuple[str, ...], ranked: list, qruns: tuple[str, ...] = (),
                   qsubject: tuple | None = None) -> int | None:
        """The one close candidate that answers the kind of question asked (材料, 地点…) and names its subject,
        or None. Near-twins that differ only in the aspect are told apart here instead of sent to a menu."""
        th = self.thresholds
        asked = aspects(text)
        if not asked or not self.ASPECT_CHECK:
            return None
        floor = max(th.aspect_answer, th.menu)
        if not ranked or ranked[0][0] < floor:
            return None
        low = min(th.aspect_floor, floor)
        close = [r for r in ranked if r[0] >= low - th.aspect_lead]  # the others cannot change the outcome
        qsubject = qsubject or self._query_subject(text)

        def same_service(i: int) -> bool:
            return (self._named(snorm, qnames, i, qruns)
                    and self._subject_cover(qsubject, i, snorm, qnames + qruns) >= th.subject_cover)

        def sole_fit(asked: frozenset, name: frozenset) -> int | None:
            fits: list[tuple[float, int]] = []
            for s, _, _, i in close:  # best first: stop once a second fit, or no more fit close enough, is found
                if fits and s < fits[0][0] - th.aspect_lead:
                    break
                if self._fits(asked, self._doc_aspects(i, name)) and same_service(i):
                    fits.append((s, i))
                    if len(fits) == 2:
                        break
            if not fits or fits[0][0] < low:
                return None
            if len(fits) > 1 and fits[0][0] - fits[1][0] < th.aspect_lead:
                return None
            chosen = fits[0][1]
            for _, _, _, j in close:  # 经营许可 said, 食品经营许可 and 占道经营许可 both fit: another service, not a twin
                if (j != chosen and self._fits(asked, self._doc_aspects(j, name))
                        and self._other_service(chosen, j, snorm)
                        and self._subject_cover(qsubject, j, snorm, qnames + qruns) >= th.subject_cover):
                    return None
            for s, _, _, j in close:  # a twin whose kind of question is not recognised may be the one asked for
                if j != chosen and s >= low and not self._doc_aspects(j, name) and same_service(j):
                    return None
            if self.SITUATION_CHECK:
                for s, _, _, j in close:  # a twin for another situation fits as well: which one is the resident's?
                    if (j != chosen and s >= low - th.aspect_lead and self._fits(asked, self._doc_aspects(j, name))
                            and self._situation_unsaid(chosen, j, snorm) and same_service(j)):
                        return None
            extra = self._doc_aspects(chosen, name) - asked
            if extra & {"代办", "电话"}:  # 委托他人办理需要什么手续 / 拨打哪个电话或到哪个窗口: about a proxy or a phone first
                return None
            if self.STATED_SITUATION and self._another_situation(chosen, snorm, text):
                return None
            if self.UNSAID_SITUATION and extra & _SITUATIONS:  # 医保卡在哪里办 is not 医保卡丢了去哪补: not said lost
                return None
            if extra:  # it also answers something not asked: not when another entry answers just what was asked
                for s, _, _, j in close:
                    if (j != chosen and s >= low and self._fits(asked, self._doc_aspects(j, name))
                            and not self._doc_aspects(j, name) - asked and same_service(j)):
                        return None
            return chosen

        if asked == {"流程"} and self._situation(text):
            return None
        chosen = sole_fit(asked, frozenset())
        if chosen is not None or not self.NAME_SIBLINGS or len(ranked) < self.NAME_SIBLINGS:
            return chosen
        # No sole fit: perhaps a label every entry of the service has comes from its name (献血费用返还: 费用)
        maybe = asked
        for _, _, _, i in ranked[: self.NAME_SIBLINGS]:  # cheap first look: the best few share an asked label
            maybe = maybe & self._doc_aspects(i)
            if not maybe:
                return None
        siblings = [i for _, _, _, i in ranked if self._subject_cover(qsubject, i) >= th.subject_cover]
        if len(siblings) < self.NAME_SIBLINGS:
            return None
        name = asked.intersection(*(self._doc_aspects(i) for i in siblings))
        if not name:
            return None
        asked = aspects(text, name)
        return sole_fit(asked, name) if asked else None

    def _clear_leader(self, text, snorm, qnames, ranked, qruns, qsubject) -> int | None:
        """The top entry when it stands well clear of every other, covers what the query is about and the query
        says most of its rare words (its service and situation): a resident's own words score low against an
        official question (跟邻居吵起来了，社区能调解吗 / 邻里纠纷可以申请调解吗？), but a low score far ahead of the
        rest still points at one entry. The same checks as a confident answer, at a lower score."""
        th = self.thresholds
        if not ranked or ranked[0][0] < th.leader:
            return None
        top = ranked[0][3]
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < th.leader_lead:
            return None
        asked = aspects(text)
        if asked and (not self._fits(asked, self._doc_aspects(top))
                      or self._subject_cover(qsubject, top, snorm, qnames + qruns) < th.subject_cover):
            return None
        norm = normalize(text)
        if not self._same_aspects(norm, top) or not self._named(snorm, qnames, top, qruns):
            return None
        return top if self._names_found(snorm, top, qnames + qruns) >= th.leader_said else None

    MATCH_CACHE = 4096  # recent questions kept with their outcome: residents ask the same ones again and again

    def match(self, text: str, *, today: date | None = None) -> Match:
        """Answer, offer a menu, or admit not knowing; never answers inactive (draft/retired/expired) docs.

        The outcome of a recent identical question on the same day is reused (the index never changes; an edit
        builds a new one, with an empty cache)."""
        today = today or date.today()
        if not self.MATCH_CACHE:
            return self._match(text, today)
        key = (text, today)
        found = self._matches.get(key)
        if found is None:
            found = self._match(text, today)
            if len(self._matches) >= self.MATCH_CACHE:
                self._matches.clear()
            self._matches[key] = found
        return found

    def _match(self, text: str, today: date) -> Match:
        th = self.thresholds
        text = self._without_foreign_clauses(self._after_the_ask(self._respell(text)))
        norm = normalize(text)
        if not norm:
            return Match(UNKNOWN, None, 0.0, [])
        qwords = words(norm)
        snorm = sound(norm)
        hits = self.retrieve(snorm, qwords, today, th.shortlist)
        query = self._query_terms(snorm, qwords)
        ranked = sorted(((*self.score(snorm, query, i), bm, i) for i, bm in hits), reverse=True)
        cands = [Candidate(self.docs[i].code, self.docs[i].question, round(s, 4)) for s, _, _, i in ranked]
        if not cands:
            return Match(UNKNOWN, None, 0.0, [])
        best = cands[0].score
        runner = cands[1].score if len(cands) > 1 else 0.0
        qnames = tuple(sound(w) for w in qwords if len(w) > 1 and w not in LIGHT_WORDS and w not in _ASKING_WORDS
                       and not _ASPECT_RE.search(w))
        qruns = self._fused_clauses(text)
        qsubject = self._query_subject(text)
        if best >= th.answer and self._same_aspects(norm, ranked[0][3]) and self._fits(aspects(text), self._doc_aspects(ranked[0][3])) and (
            best - runner >= th.margin
            or (best - runner >= th.aspect_margin and not self._same_aspects(norm, ranked[1][3], require_some=True))
        ) and self._named(snorm, qnames, ranked[0][3], qruns) and (
            not aspects(text)
            or self._subject_cover(qsubject, ranked[0][3], snorm, qnames + qruns) >= th.subject_cover
        ):
            return Match(ANSWER, cands[0].code, best, cands[: th.menu_size])
        chosen = self._by_aspect(text, snorm, qnames, ranked, qruns, qsubject)
        if chosen is None and th.leader <= 1.0:
            chosen = self._clear_leader(text, snorm, qnames, ranked, qruns, qsubject)
        if chosen is not None:
            k = next(n for n, r in enumerate(ranked) if r[3] == chosen)
            return Match(ANSWER, cands[k].code, cands[k].score, [cands[k]] + [c for n, c in enumerate(cands[: th.menu_size]) if n != k][: th.menu_size - 1])
        if best >= th.menu:
            # an entry that shares next to nothing of what the query is about (地铁十号线什么时候开通 /
            # 垃圾投放时间是几点: only the asking words match) is no guess worth offering
            at = {c.code: i for (_, _, _, i), c in zip(ranked, cands)}

            known = qsubject[0]
            setting = {g for g in map(sound, _SETTING_WORDS) if g in known}
            # 小区/社区 is where every question is set: an entry that shares only that is no guess (「小区有没有给
            # 老人做饭的地方」 was offered 「小区电动车充电桩在哪里？」, 「小区能养鸡吗」 「小区停车位怎么申请？」)
            rest = {g: w for g, w in known.items() if g not in setting} if setting and self.SETTING_CHECK else None
            only_setting = rest is not None and not rest and (qsubject[1] > 0 or qsubject[2] > 0)

            def about(c: Candidate) -> bool:
                i = at[c.code]
                if only_setting or self._subject_cover(qsubject, i, snorm, qnames + qruns) < th.menu_cover:
                    return False
                return not rest or self._subject_cover((rest, *qsubject[1:]), i, snorm, qnames + qruns) > 0

            menu = [c for c in cands[: th.menu_size] if c.score >= max(th.menu, best - th.menu_gap) and about(c)]
            asked = aspects(text)
            if asked and self.ASPECT_CHECK:  # entries that answer the kind of question asked come first
                # (among those about the query: 低保在哪里申请 must not push 食品经营许可证如何办理 off the menu
                # of 食品经营许可证在哪里申请 and then be dropped for being about something else)
                fit = [c for (s, _, _, i), c in zip(ranked, cands)
                       if s >= th.menu and self._fits(asked, self._doc_aspects(i)) and about(c)]
                if fit:
                    menu = (fit + [c for c in menu if c not in fit])[: th.menu_size]
            if menu:
                return Match(MENU, None, best, menu)
        return Match(UNKNOWN, None, best, cands[: th.menu_size])


# jieba's part of speech for a single character that can begin or end a name (公|租房, 群|租房); verbs,
# prepositions and adverbs (弄|职工医保, 按|文件, 刚|退休) cannot.
_NAME_TAGS = re.compile(r"^(n|ng|nr|ns|nz|a|ag|b|zg|j)$")


@lru_cache(maxsize=4096)
def _pos(char: str) -> str:
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab.get(char, "x")


def _fused(name: str, word: str) -> bool:
    """`name` sits inside the longer query word fused with a single character (租房 in 公租房, 廉租房): another
    service. With a whole word beside it (退休 + 职工, as jieba sometimes cuts 我刚退休，职工医保) it is still said."""
    at = word.find(name)
    if at < 0 or len(word) == len(name):
        return False
    rest = (word[:at], word[at + len(name) :])
    return any(len(r) == 1 for r in rest)


def _phrasings(doc: FaqDoc) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for text in (doc.question, *doc.alternatives):
        norm = normalize(text)
        if norm:
            seen.setdefault(norm, None)
    return tuple(seen) or ("",)


def menu_text(match: Match) -> str:
    """The numbered menu the resident answers with a digit; one candidate is asked as a yes/no question (a list
    of one read as if the others were missing)."""
    if len(match.candidates) == 1:
        return (f"您是想问「{match.candidates[0].question}」吗？\n"
                "是的话请回复「1」或「是」；不是请直接描述您的问题，或回复“人工”。")
    lines = ["您是想问："] + [f"{n}. {c.question}" for n, c in enumerate(match.candidates, 1)]
    lines.append("请回复序号；都不是请直接描述您的问题，或回复“人工”。")
    return "\n".join(lines)
