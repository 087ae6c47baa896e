"""Seeded template generator for synthetic debt-collection messages.

Why templates: no public corpus of collection messages exists (see data/external/README), so training needs
volume and controlled label coverage that hand-writing alone cannot give. Every template family expresses one
idea with several paraphrases; the family id goes into each row so that splits keep a family together and no
paraphrase of a training row can leak into evaluation. Labels are a property of the family and are chosen to
follow docs/LABEL_DECISIONS.md; perturbations (obfuscation, traditional characters, typos, punctuation,
emoji) never change who says what, so they never change the labels.

Same (n, seed) -> byte-identical output: only `random.Random(seed)` is used and nothing iterates a set.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from yuefu_nlp.corpus.schema import CorpusRow
from yuefu_nlp.domain import LABELS
from yuefu_nlp.errors import ConfigError

# one implementation of the checksums for the generator and the PII detectors
from ..rules.validators import id_check_digit, luhn_check_digit
from ..rules.validators import valid_cn_id as is_valid_cn_id  # noqa: F401 - re-exported
from ..rules.validators import valid_cn_mobile as is_cn_mobile  # noqa: F401
from ..rules.validators import valid_luhn as luhn_valid  # noqa: F401

T, I, P, L = "threat", "insult", "privacy_leak", "false_legal_claim"

# --------------------------------------------------------------------------------------------- fake PII

# Real-format county codes (GB/T 2260); only the format matters, the people are invented.
_AREA_CODES = ("110101", "110105", "310104", "310115", "440106", "440305", "330106", "320102", "420102",
               "510107", "500103", "610113", "370102", "410105", "430104", "350203", "210102", "120101")
_CARD_BINS = ("622202", "621700", "622848", "621483", "622588", "621226", "622700", "623058", "621661")
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                    "155", "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183",
                    "185", "186", "187", "188", "189", "191", "198", "199")


def fake_cn_id(rng: random.Random) -> str:
    """A checksum-valid 18-digit ID for an invented adult (born 1965-2003)."""
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 38 * 365))
    first17 = f"{rng.choice(_AREA_CODES)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_digit(first17)


def fake_bank_card(rng: random.Random) -> str:
    """A Luhn-valid 16- or 19-digit UnionPay-style debit card number."""
    length = rng.choice((16, 19))
    body = rng.choice(_CARD_BINS) + "".join(str(rng.randrange(10)) for _ in range(length - 7))
    return body + luhn_check_digit(body)


def fake_mobile(rng: random.Random) -> str:
    """A well-formed mainland mobile number."""
    return rng.choice(_MOBILE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(8))


# --------------------------------------------------------------------------------------------- slot vocab

_SURNAMES = ("张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任"
             "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤")
_GIVEN_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋志建国兵峰海东"
_GIVEN_F = "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳倩洁晶莉红梅兰欣瑶萍月佳蕾秀英桂凤璐菲"
PRODUCTS = ("抖音月付", "花呗", "借呗", "美团月付", "京东白条", "分期乐", "微粒贷", "安逸花", "360借条", "招联好期贷",
            "度小满", "放心借", "拍拍贷", "小米随星借", "携程拿去花", "洋钱罐")
_AGENCY_HEADS = ("恒信", "鼎诚", "安达", "正和", "汇通", "中盛", "华誉", "诚泰", "君安", "永盛", "瑞丰", "嘉禾")
_AGENCY_TAILS = ("资产管理有限公司", "信息咨询有限公司", "商务服务有限公司", "企业管理咨询有限公司")
# City -> real district names, so that invented addresses and court names stay plausible.
_CITY_DISTRICTS: dict[str, tuple[str, ...]] = {
    "北京": ("朝阳区", "海淀区", "丰台区", "西城区"), "上海": ("浦东新区", "徐汇区", "闵行区", "静安区"),
    "广州": ("天河区", "越秀区", "白云区", "番禺区"), "深圳": ("福田区", "南山区", "宝安区", "龙岗区"),
    "杭州": ("西湖区", "上城区", "拱墅区", "滨江区"), "南京": ("鼓楼区", "玄武区", "江宁区", "秦淮区"),
    "武汉": ("江汉区", "武昌区", "洪山区", "江岸区"), "成都": ("武侯区", "锦江区", "青羊区", "成华区"),
    "重庆": ("渝中区", "江北区", "沙坪坝区", "渝北区"), "西安": ("雁塔区", "碑林区", "未央区", "长安区"),
    "济南": ("历下区", "市中区", "槐荫区", "历城区"), "郑州": ("金水区", "二七区", "中原区", "管城回族区"),
    "长沙": ("岳麓区", "芙蓉区", "天心区", "开福区"), "厦门": ("思明区", "湖里区", "集美区", "海沧区"),
    "天津": ("和平区", "南开区", "河西区", "滨海新区"), "合肥": ("蜀山区", "包河区", "庐阳区", "瑶海区"),
    "南昌": ("青山湖区", "东湖区", "西湖区", "红谷滩区"), "昆明": ("五华区", "盘龙区", "官渡区", "西山区"),
    "南宁": ("青秀区", "兴宁区", "江南区", "西乡塘区"), "福州": ("鼓楼区", "仓山区", "台江区", "晋安区"),
}
_ROADS = ("人民", "建设", "解放", "中山", "胜利", "和平", "新华", "光明", "友谊", "幸福", "长江", "黄河", "文化")
_VILLAGES = ("王家", "李家", "张庄", "大柳", "石桥", "马坊", "刘湾", "东坡", "杨树", "河口")
_EMPLOYERS = ("科技有限公司", "物流有限公司", "餐饮管理有限公司", "电子厂", "建筑工程有限公司", "商贸有限公司")
_REGULATORS = ("国家金融监督管理总局（12378）", "中国人民银行", "中国互联网金融协会", "当地金融监管局", "12315")
_LAW_FIRM_HEADS = ("金诚", "正义", "天平", "公信", "明律", "华法", "中正", "德衡")
_EXCUSES = ("这几天手头紧，过几天再说", "工资还没发", "我忘了，今天就还", "我现在没钱", "下周一定还",
            "能不能晚几天", "我最近生病住院了", "我失业了，真的还不上", "我在想办法", "我已经还了一部分了")
_CUST_NEUTRAL = ("是我，什么事？", "嗯，你说。", "谁啊？", "哪位？", "对，我是。", "你好，有什么事？", "喂？")
_CUST_END = ("知道了。", "我没钱。", "行吧。", "好，我尽量。", "你们别再打了。", "再打我就报警了。", "嗯。",
             "我会处理的。", "挂了。", "我要投诉你们。")
# What customers shout at collectors; never labelled, because only collector turns are judged.
_CUST_ABUSE = ("你个傻逼", "滚", "他妈的", "骗子", "神经病", "你们这帮吸血鬼", "去你妈的", "烦死了，滚蛋", "sb",
               "有病吧你", "滚你妈的")
_HOTLINES = ("400-{a}-{b}", "95{c}", "010-{b}{a}")

# Insult fillers and their obfuscated forms (the perturbation "obfuscated" picks one of the variants).
INSULTS: dict[str, tuple[str, ...]] = {
    "傻逼": ("傻*逼", "s b", "煞笔", "傻B", "SB", "傻 逼", "sb", "傻bi", "沙比", "傻屄"),
    "王八蛋": ("王八dan", "王*八*蛋", "王 八 蛋", "忘八蛋"),
    "狗东西": ("狗 东西", "gou东西", "狗*东西"),
    "废物": ("废*物", "廢物", "fei物", "废 物"),
    "垃圾": ("垃 圾", "lj", "la圾", "辣鸡"),
    "人渣": ("人*渣", "人 渣", "人zha"),
    "混蛋": ("混dan", "混*蛋", "浑蛋"),
    "贱人": ("jian人", "贱*人", "贱 人"),
    "畜生": ("畜 生", "畜*生", "畜牲"),
    "窝囊废": ("窝囊fei", "窝 囊 废"),
}
SLURS: dict[str, tuple[str, ...]] = {
    "老赖": ("老 赖", "老*赖", "lao赖", "老lai", "LL"),
    "骗子": ("骗*子", "骗 子", "pian子"),
    "无赖": ("无*赖", "无 赖", "wu赖"),
    "不要脸的东西": ("不要lian的东西", "不要脸de东西", "bylian的东西"),
    "臭老赖": ("臭 老 赖", "臭*老赖"),
    "穷鬼": ("穷 鬼", "qiong鬼"),
}
CURSES: dict[str, tuple[str, ...]] = {
    "他妈的": ("tmd", "TMD", "他m的", "特么的", "他 妈 的"),
    "操你妈": ("cnm", "草泥马", "操nm", "c你妈", "艹你妈"),
    "妈的": ("md", "MD", "妈de"),
}

# Safe IME confusions: none touches a negation word, so a typo never flips a label.
_TYPOS = (("的", "地"), ("的", "得"), ("在", "再"), ("再", "在"), ("已", "以"), ("账", "帐"), ("您", "你"),
          ("吗", "嘛"), ("那", "哪"), ("做", "作"), ("尽快", "进快"), ("联系", "连系"), ("马上", "马尚"),
          ("还款", "还歀"), ("时候", "时侯"))
_EMOJI = ("😡", "🙂", "👉", "‼️", "💰", "📞", "😊", "🙏", "⚠️", "[微笑]", "[抱拳]", "[发怒]", "😤", "❗")
_PREFIX_VARIANTS = {"C": ("催收员", "催收员", "催收员", "坐席", "客服", "业务员"), "U": ("客户", "客户", "客户", "用户", "借款人")}


# --------------------------------------------------------------------------------------------- families

@dataclass(frozen=True)
class Family:
    """One idea, several paraphrases; every row drawn from it carries these labels and metadata."""

    id: str
    labels: tuple[str, ...]
    registers: tuple[str, ...]
    scenario: str
    stages: tuple[str, ...]
    tone: str
    collectors: tuple[str, ...]
    templates: tuple[str, ...]
    variety: tuple[str, ...] = ()


def _fam(fid: str, labels: tuple[str, ...], registers: str, scenario: str, stages: str, tone: str,
         collectors: str, *templates: str, variety: str = "") -> Family:
    """Compact family constructor; space-separated strings keep the table below readable."""
    return Family(
        id=f"syn.{fid}",
        labels=tuple(x for x in LABELS if x in labels),
        registers=tuple(registers.split()),
        scenario=scenario,
        stages=tuple(stages.split()),
        tone=tone,
        collectors=tuple(collectors.split()),
        templates=templates,
        variety=tuple(variety.split()) + (("mixed",) if len(labels) > 1 else ()),
    )


OVERDUE = "M1 M2 M3+"
LATE = "M2 M3+"

FAMILIES: tuple[Family, ...] = (
    # ---------------------------------------------------------------- compliant
    _fam("ok.due_reminder", (), "sms chat", "repayment_reminder", "pre_due", "polite", "bot in_house",
         "尊敬的{sir}，您在{product}的账单{amount}将于{date}到期，请确保还款账户余额充足，如已还款请忽略。",
         "{sir}您好，温馨提醒：您本期{product}应还{amount}，最后还款日{date}，可在App内一键还款。",
         "您好，您的{product}账单即将到期（{date}），应还金额{amount}，按时还款可保持良好信用记录。",
         "提醒：{date}是您{product}的还款日，本期待还{amount}，请留意。如有疑问请致电{hotline}。",
         "亲爱的用户，您的{product}本期账单已出，应还{amount}，到期日{date}，感谢您的支持。"),
    _fam("ok.overdue_polite", (), "sms chat transcript", "overdue_reminder", "M1", "neutral",
         "bot in_house outsourced",
         "{sir}您好，您的{product}账单已逾期{days}天，待还金额{amount}，请尽快还款，以免产生更多逾期费用。",
         "您好，系统显示您在{product}的借款已逾期{days}天，请于{deadline}处理，如有困难请联系{hotline}协商。",
         "尊敬的客户，您的{product}欠款{amount}已逾期，请尽快登录App完成还款。如已还款，请忽略本提醒。",
         "{sir}，您的{product}还款已逾期{days}天，为避免影响您的个人信用，请尽快安排还款。",
         "您好，您{product}本期账单{amount}尚未结清，已逾期{days}天，请您尽快处理。"),
    _fam("ok.lawful_litigation", (), "sms chat", "lawful_litigation_notice", LATE, "firm", "in_house outsourced",
         "{sir}，您在{product}的欠款{amount}已逾期{days}天。如仍未还款，我司将依法向人民法院提起诉讼，届时以法院判决为准。",
         "尊敬的客户，经多次提醒您仍未还款，我司保留依法起诉的权利，诉讼费用可能由您承担，请于{deadline}联系我们协商。",
         "您好，您的欠款{amount}已逾期较长时间，我方可能依法提起民事诉讼，如您对欠款有异议，请致电{hotline}核实。",
         "{sir}您好，若您在{date}前仍未还款或与我方达成还款方案，我司将考虑通过诉讼途径解决，请您重视。",
         "通知：您在{product}的借款逾期未还，平台已将案件转至法务部门评估，后续可能依法起诉，建议您尽快还款或申请协商。"),
    _fam("ok.credit_report", (), "sms chat transcript", "credit_report_notice", "M1 M2",
         "neutral", "bot in_house",
         "{sir}您好，您的{product}账单已逾期{days}天，逾期记录将按规定报送人民银行征信系统，请尽快还款。",
         "温馨提示：逾期还款会产生罚息，且逾期信息会上报征信，可能影响您今后办理贷款和信用卡。",
         "您好，您在{product}的欠款{amount}仍未结清，相关逾期记录会如实上报征信，结清后将按规定更新。",
         "尊敬的客户，为维护您的信用记录，请于{deadline}还清{amount}，持续逾期将在征信报告中体现。"),
    _fam("ok.negotiation", (), "chat transcript", "negotiation", LATE, "polite", "in_house outsourced",
         "{sir}您好，了解到您近期资金紧张，我们可以为您申请分{k}期还款，每期约{amount}，您看可以吗？",
         "您好，如果一次还清有困难，可以先还一部分，剩下的我们帮您申请延期，您方便说一下能还多少吗？",
         "{sir}，考虑到您的实际情况，平台可以减免部分罚息，只需在{date}前还本金{amount}即可结清。",
         "我们理解您的难处，您可以提出一个能承受的还款计划，我这边帮您向上级申请。",
         "您好，您之前说{date}发工资，那我们约定{date}先还{amount}，剩下的下个月再还，可以吗？"),
    _fam("ok.fee_waiver", (), "sms chat", "settlement_offer", LATE, "polite", "in_house outsourced bot",
         "{sir}，您的{product}欠款符合减免政策，{date}前一次性还款{amount}即可结清，详询{hotline}。",
         "您好，平台现推出逾期客户减免活动，您可申请减免部分利息和罚息，请登录App查看方案。",
         "尊敬的客户，您的账户可申请停息分期，如有需要请回复1或致电{hotline}。",
         "{sir}您好，为帮助您尽快结清，本月内还款可减免{pct}%的罚息，请及时联系。"),
    _fam("ok.third_party_callback", (), "third_party", "third_party_callback", "-", "polite", "in_house outsourced",
         "您好，我姓{surname}，麻烦您转告{name}尽快给我回个电话，号码{phone}，谢谢。",  # no "贷后" job title: §4.5
         "您好，打扰了，请问您认识{name}吗？麻烦让{he}方便时回电{phone}，谢谢您。",
         "您好，这边有事情需要联系{name}，{he}电话一直打不通，麻烦您转告{he}回个电话，谢谢。",
         "打扰了，我找{name}，麻烦您提醒{he}回电，谢谢配合。",
         "您好，请帮忙转告{name}，请{he}尽快与我们联系，电话{phone}，非常感谢。"),
    _fam("ok.education", (), "sms chat", "consumer_education", "-", "neutral", "in_house",
         "根据规定，催收人员不得威胁、恐吓、辱骂借款人，也不得向无关第三方透露您的欠款信息。如遇违规催收，可拨打{hotline}投诉。",
         "温馨提示：遇到暴力催收，您可以保留证据，向{regulator}投诉或报警处理。",
         "{product}郑重承诺：我们不会骚扰您的家人、同事，不会冒充公检法人员，如发现此类行为请立即举报。",
         "依据《个人信息保护法》，您的个人信息不会被提供给无关第三方。如有疑问请致电{hotline}。",
         "请注意：任何自称法院、公安要求您转账到个人账户的都是诈骗，请只通过官方App还款。",
         variety="quotation"),
    _fam("ok.negation", (), "chat transcript", "reassurance", OVERDUE, "polite", "in_house outsourced",
         "{sir}您放心，我们不会上门，也不会联系您的家人，只是提醒您尽快安排还款。",
         "我们不会把您的欠款情况告诉任何第三方，也不会给您的通讯录联系人打电话，请您放心。",
         "您好，我们不会采取任何上门或骚扰的方式，只希望您能主动联系我们协商还款。",
         "这个您不用担心，我们不会去您单位，也不会影响您的工作，您按约定时间还款就行。",
         "{sir}，我们绝不会冒充法院或公安，也不会威胁您，请您理性看待，按时还款。",
         variety="negation"),
    _fam("ok.verify_own_data", (), "sms chat transcript", "identity_verification", "-", "neutral",
         "bot in_house",
         "{sir}您好，请核对您尾号{tail4}的银行卡是否为本次还款账户。",
         "为确认身份，请您提供身份证后四位，我们将核实您{product}账户的还款信息。",
         "{sir}，您预留的还款卡尾号{tail4}本期扣款失败，请确认卡内余额充足。",
         "您好，系统显示您绑定的手机号为{phone_masked}，如需变更请在App内操作。"),
    _fam("ok.payment_confirm", (), "sms chat", "payment_confirmation", "-", "polite", "bot in_house",
         "您好，已收到您的还款{amount}，您的{product}本期账单已结清，感谢您的支持！",
         "{sir}，您的欠款已全部结清，相关逾期记录将按规定在征信系统更新，感谢配合。",
         "您好，您于{date}还款{amount}已到账，剩余待还{amount2}，请按约定按时还款。",
         "还款成功！{sir}，您本次还款{amount}，结清证明可在App中下载。"),
    _fam("ok.outsourcing_notice", (), "sms", "outsourcing_notice", LATE, "neutral", "in_house bot",
         "{sir}您好，由于您的{product}欠款长期未还，平台已委托{agency}继续联系您处理，如有疑问请致电{hotline}。",
         "通知：您的逾期账款已委托第三方机构{agency}进行催收，请注意接听来电并尽快还款。",
         "您好，您的案件已分配给{agency}，工作人员将在工作时间与您联系，请配合沟通还款事宜。",
         "尊敬的客户，您的账款已委托第三方机构继续催收，您也可以直接在{product}App还款，还款后将停止联系。"),
    _fam("ok.judgment_accurate", (), "sms chat", "judgment_enforcement", "M3+", "firm", "in_house outsourced",
         "{sir}，法院判决已生效，如您仍不履行还款义务，我方将依法申请强制执行。",
         "您好，根据已生效的判决书，若您拒不履行，法院可依法将您列入失信被执行人名单并限制高消费。",
         "提醒您：判决生效后仍不履行的，申请执行人可向法院申请强制执行，请您尽快履行判决。",
         "{sir}，关于{court}作出的民事判决，请于{deadline}履行，逾期我方将依法申请执行。"),
    _fam("ok.wrong_number", (), "chat", "wrong_number", "-", "polite", "in_house outsourced bot",
         "不好意思打扰了，可能是号码有误，我们会核实后更新联系方式，祝您生活愉快。",
         "抱歉，您不是{name}本人的话，打扰您了，我们会把这个号码从联系名单中删除。",
         "好的，既然您不认识{name}，我们这边做个记录，以后不会再打扰您，再见。",
         "不好意思，可能拨错号码了，打扰您了。"),
    _fam("ok.hardship_empathy", (), "chat transcript", "hardship", OVERDUE, "polite", "in_house outsourced",
         "{sir}，理解您最近遇到的困难，身体要紧，等您方便的时候我们再沟通还款的事。",
         "您好，听说您最近失业了，我们可以先暂停联系七天，您看什么时候方便再沟通？",
         "没关系，谁都有困难的时候，您先还最低还款{amount}，剩下的我们慢慢商量。",
         "我们也不想给您太大压力，您有什么困难可以直接告诉我，我们一起想办法。"),
    _fam("ok.contact_time", (), "chat transcript", "contact_scheduling", "-", "polite", "in_house outsourced",
         "现在已经比较晚了，不打扰您休息，明天上午我再联系您，您看几点方便？",
         "您好，请问您什么时间方便接听电话？我们会在您方便的时候再联系。",
         "抱歉在您上班时间打扰，您下班后方便的话回个电话{hotline}就行。",
         "好的，那我周三下午再给您打电话，到时候我们再确认还款安排。"),
    _fam("ok.vague_pressure", (), "sms chat", "vague_pressure", LATE, "firm", "outsourced",
         "{name}，你已经逾期{days}天了，再不处理，后果自负。",
         "别逼我们采取措施，今天之内必须把{amount}还上。",
         "最后一次提醒你，{deadline}不还款，一切后果自负。",
         "{name}，欠钱还钱天经地义，请你认真对待，不要一拖再拖。",
         "你已经多次违约，不要再拖了，这是最后通知。"),
    _fam("ok.dispute_channel", (), "sms chat", "dispute_channel", "-", "neutral", "in_house bot",
         "如您对账单金额有异议，请在{date}前致电{hotline}或在App内提交申诉，我们会在3个工作日内回复。",
         "{sir}，若您认为该笔借款非本人操作，请拨打{hotline}申请核查，核查期间暂停催收。",
         "您好，如对逾期费用有疑问，可申请查看费用明细，客服热线{hotline}。",
         "如您已还款但系统未更新，请保留还款凭证并联系客服{hotline}处理。"),
    _fam("ok.autopay_fail", (), "sms", "autopay_failure", "pre_due", "neutral", "bot",
         "您好，{date}自动扣款失败，本期应还{amount}，请于今日24点前手动还款。",
         "{sir}，您尾号{tail4}的银行卡余额不足，本期{product}扣款未成功，请及时存入足额资金。",
         "提醒：今天是{product}还款日，系统将于今晚再次尝试扣款，请保持卡内余额充足。",
         "您好，您的{product}今日到期，应还{amount}，目前尚未还款，请及时处理。"),
    _fam("ok.quote_warning", (), "sms chat", "quotation_disclaimer", "-", "neutral", "in_house",
         "近期有不法分子冒充我司员工，声称“不还钱就上门”“已经报警立案”，我司郑重声明从未有此类行为，请勿轻信。",
         "如果有人对您说“要把你欠钱的事告诉你家人”，这是违规的，您可以录音并向我们投诉。",
         "有客户反映接到自称“法院执行局”的电话，我司提醒：法院不会通过电话要求转账，请谨慎辨别。",
         "根据规定，催收时不得使用“老赖”“骗子”等侮辱性词语，如您遭遇，请拨打{hotline}投诉。",
         variety="quotation"),
    _fam("ok.reminder_colloquial", (), "chat", "overdue_reminder", "M1", "neutral",
         "outsourced",
         "{name}你好，我是{product}的{agent}，你这边账单逾期{days}天了，今天方便处理一下吗？",
         "在吗？{product}那笔{amount}今天能还上吗，还了跟我说一声。",
         "{sir}，看到消息回我一下，你的账单今天要处理了哈。",
         "你好，昨天说好今天还的，现在还没看到款项，麻烦尽快处理一下哦。",
         "{name}，还款链接发你了，你点进去就能还，有问题随时找我。"),
    _fam("ok.debt_assignment", (), "sms", "debt_assignment_notice", "M3+", "neutral", "in_house",
         "债权转让通知：{sir}，您在{product}项下的债权已依法转让给{agency}，今后请向受让方履行还款义务。",
         "您好，根据《民法典》相关规定，现通知您：您的借款债权已转让，后续还款请联系{hotline}。",
         "{sir}，您的欠款{amount}相关债权已转让给{agency}，具体事宜请致电{hotline}咨询。"),
    _fam("ok.tr_polite_call", (), "transcript", "call_reminder", OVERDUE, "polite", "in_house outsourced",
         "{C}：您好，请问是{name}吗？我是{product}的{agent}。\n{U}：是我，什么事？\n{C}：您的账单已经逾期{days}天了，待还{amount}，请问今天能处理吗？\n{U}：{excuse}\n{C}：好的，那您{date}前记得还款，有困难可以随时联系我们。\n{U}：好。",
         "{C}：喂，{sir}您好，这边是{product}贷后服务中心。\n{U}：嗯，你说。\n{C}：您本期{amount}还没还，已经逾期{days}天，想跟您确认一下还款时间。\n{U}：{excuse}\n{C}：明白，那我帮您备注一下，{date}前请您处理好，谢谢。",
         "{C}：您好，是{name}本人吗？\n{U}：对。\n{C}：提醒您一下，{product}的欠款{amount}已经逾期了，会产生罚息，建议您尽快还上。\n{U}：{excuse}\n{C}：可以理解，您方便的时候在App里还就行，祝您生活愉快。",
         "{C}：{sir}您好，打扰一下，您在{product}的账单逾期{days}天了。\n{U}：{excuse}\n{C}：好的，如果需要分期可以告诉我，我帮您申请。\n{U}：行，我考虑一下。"),
    _fam("ok.tr_customer_abuse", (), "transcript", "customer_abuse", OVERDUE, "polite", "in_house outsourced",
         "{C}：您好，是{name}吗？这里是{product}贷后部门。\n{U}：{cust_abuse}，天天打，烦不烦！\n{C}：不好意思打扰您了，您的账单已逾期{days}天，麻烦您尽快处理。\n{U}：{cust_abuse2}，老子没钱！\n{C}：理解您的情绪，如果有困难可以申请分期，您考虑一下。",
         "{C}：{sir}您好，关于您{product}的欠款想跟您沟通一下。\n{U}：{cust_abuse}！\n{C}：请您不要激动，我们只是提醒您按时还款。\n{U}：{cust_abuse2}\n{C}：好的，那我先不打扰您了，您方便时回电{hotline}。",
         "{C}：您好，请问您今天能还款吗？\n{U}：{cust_abuse}，别打了！\n{C}：抱歉给您带来困扰，您可以告诉我一个方便的时间，我们到时再联系。\n{U}：{cust_abuse2}",
         "{U}：又是你们，{cust_abuse}！\n{C}：{sir}您好，您的{product}账单还有{amount}未还，请问有什么困难吗？\n{U}：{cust_abuse2}，没钱！\n{C}：好的，我理解，您可以申请延期还款，需要的话随时联系我们。"),
    _fam("ok.tr_third_party_callback", (), "transcript", "third_party_callback", OVERDUE, "polite",
         "in_house outsourced",
         "{C}：您好，请问是{name}吗？\n{U}：不是，我是{tp_self}，{he}不在。\n{C}：好的，麻烦您转告{he}给我们回个电话，号码{phone}，谢谢。\n{U}：什么事跟我说吧。\n{C}：不好意思，这个需要{he}本人处理，麻烦您转告一下就行，谢谢您。",
         "{C}：喂，您好，找一下{name}。\n{U}：{he}手机没带，我是{tp_self}。\n{C}：那麻烦您让{he}方便时回电，谢谢。\n{U}：好的。",
         "{C}：您好，{name}在吗？\n{U}：{he}在上班，你是谁？\n{C}：我姓{surname}，有事情需要{he}本人回电，麻烦您转告一下，谢谢。\n{U}：行，我跟{he}说。",
         "{C}：您好，请问这是{name}的电话吗？\n{U}：我是{tp_self}，你找{he}干嘛？\n{C}：是一些个人事务，需要{he}本人处理，请您转告{he}回电{phone}，打扰了。"),
    _fam("ok.tr_negotiation", (), "transcript", "negotiation", LATE, "polite", "in_house outsourced",
         "{C}：{sir}您好，您的{product}欠款{amount}已经逾期{days}天了。\n{U}：我现在真的没钱。\n{C}：理解，那您看每月能还多少？我们可以帮您申请分期。\n{U}：每个月最多一千。\n{C}：好的，我帮您提交分{k}期的申请，审核通过后短信通知您。",
         "{U}：我想问一下能不能减免一点？\n{C}：可以的{sir}，如果您{date}前一次性结清，可以申请减免部分罚息。\n{U}：那大概要还多少？\n{C}：初步算下来是{amount}，具体以系统为准。",
         "{C}：您好，上次您说{date}还款，现在情况怎么样？\n{U}：{excuse}\n{C}：没关系，我们可以重新约个时间，您觉得什么时候合适？\n{U}：月底吧。\n{C}：好的，那就月底，到时候我再提醒您。"),
    _fam("ok.tr_lawful", (), "transcript", "lawful_litigation_notice", LATE, "firm", "in_house outsourced",
         "{C}：{sir}，您的欠款已经逾期{days}天，多次联系都没有处理。\n{U}：你们要起诉我？\n{C}：如果一直不还款，我司可能会依法提起诉讼，但现在还是希望和您协商解决。\n{U}：{excuse}",
         "{U}：不还会怎么样？\n{C}：逾期记录会上报征信，长期不还我方有权依法起诉，具体以法院判决为准。\n{U}：知道了。\n{C}：建议您尽快还款或者申请分期，避免影响信用。",
         "{C}：您好，您的案件已经转到法务评估阶段了。\n{U}：什么意思？\n{C}：就是说如果{date}前还没有还款方案，我们可能会向法院起诉，您现在处理还来得及。"),
    _fam("ok.tr_customer_threatens", (), "transcript", "customer_complaint", OVERDUE, "polite", "in_house outsourced",
         "{C}：您好，提醒您{product}的账单逾期了。\n{U}：你再打我就报警了！\n{C}：您有权投诉，我们只是提醒您还款，不会打扰您的家人。\n{U}：我要投诉你们！\n{C}：好的，投诉电话是{hotline}，打扰了。",
         "{U}：你们这是骚扰，我已经录音了。\n{C}：{sir}，我们会按规定时间联系您，如您觉得打扰，可以告诉我们方便的时间。\n{U}：{cust_end}",
         "{C}：{sir}您好，还款的事想跟您确认一下。\n{U}：我要去{regulator}投诉你们。\n{C}：这是您的权利，我们也希望能协商一个您能接受的还款方案。"),
    # ---------------------------------------------------------------- threat
    _fam("threat.home_visit", (T,), "sms chat transcript", "home_visit_threat", LATE, "firm",
         "outsourced",
         "{name}，明天我们的人就去你家，你最好在家等着。",
         "再不还钱，我们今晚就上门找你，{address}对吧？",
         "{name}，给你最后一天时间，明天上午我们外访组直接上门。",
         "别躲了，我们已经到你家小区楼下了，自己下来还是我们上去？",
         "你不接电话是吧？行，这周末我们直接去你家门口等你。"),
    _fam("threat.workplace_visit", (T,), "sms chat transcript", "workplace_visit_threat", LATE, "firm",
         "outsourced",
         "明天中午我们的人去你公司门口等你，看你往哪躲。",
         "{name}，你在{employer}上班对吧，我们明天就去你单位找你本人。",
         "不接电话？下午我们去你单位堵你。",
         "别以为换了工作我们就找不到你，{employer}是吧，等着。"),
    _fam("threat.violence", (T,), "sms chat transcript", "violence_threat", LATE, "crude", "outsourced",
         "再不还钱，小心你的腿。",
         "{name}，走夜路小心点，别怪我们没提醒你。",
         "钱不还，打断你的腿信不信？",
         "你再躲，我们找到你有你好受的，出门注意点。",
         "不还钱是吧，我找几个兄弟去好好跟你“聊聊”。"),
    _fam("threat.family_children", (T,), "sms chat transcript", "family_threat", LATE, "crude",
         "outsourced",
         "你孩子在{school}上学我们都知道，你自己掂量掂量。",
         "{name}，你女儿每天几点放学我们清楚得很，别逼我们。",
         "你{close}住在哪我们也知道，别让他们跟着你担惊受怕。",
         "你家里人在哪上班我们都查到了，你想清楚后果。",
         "你家老人身体不好吧？别让他们因为你受到惊吓。"),
    _fam("threat.stalking", (T,), "sms chat transcript", "stalking", LATE, "firm", "outsourced",
         "我们知道你每天几点下班，也知道你住在哪，别以为能躲过去。",
         "你今天穿的那件衣服挺好看的，我们的人一直在看着你。",
         "你现在住{address}，车牌号我们也有，躲是躲不掉的。",
         "你每天{hour}从公司出来，我们都记着呢。"),
    _fam("threat.property_damage", (T,), "sms chat transcript", "property_damage_threat", LATE, "crude",
         "outsourced",
         "再不还钱，你家门就等着被泼油漆吧。",
         "你的车停在小区里我们看到了，出点什么事可别怪我们。",
         "不还钱就砸了你家的门，说到做到。",
         "信不信我们去你店里把东西都砸了？"),
    _fam("threat.harassment_calls", (T,), "sms chat transcript", "harassment_threat", LATE, "firm",
         "outsourced",
         "不还钱，从今天开始每天给你打一百个电话，让你不得安宁。",
         "你不接是吧，我们换号码轮流打，打到你接为止，半夜也打。",
         "不还钱就让你全家不得安宁，一天都别想过好。",
         "我们会一直打，打到你手机没法用，打到你睡不着觉。"),
    _fam("threat.hometown_shame", (T,), "sms chat transcript", "shame_threat", LATE, "firm",
         "outsourced",
         "不还钱就让你在老家抬不起头，看你以后怎么见人。",
         "{name}，再拖下去，让你这辈子都抬不起头。",
         "不还的话，我们会让你在老家待不下去。",
         "你信不信我们让你在{city}混不下去？"),
    _fam("threat.negation_trap", (T,), "sms chat transcript", "home_visit_threat", LATE, "firm",
         "outsourced",
         "别以为我们不会上门，明天就让你见识见识。",
         "你以为我们不敢去你单位？试试看。",
         "不要以为我们找不到你，你跑不掉的，今晚就去你家。",
         "别以为换个号码就没事了，我们照样能找上门。",
         variety="negation"),
    _fam("threat.vague_plus_harm", (T,), "sms chat transcript", "vague_pressure_with_harm", LATE, "firm",
         "outsourced",
         "后果自负！今晚我们的人就到你家楼下。",
         "别逼我们采取措施，到时候派人去你家堵门，你别后悔。",
         "不还后果自负，我们外访人员已经出发去你住的地方了。",
         "你自己看着办，不还钱我们就天天去你家蹲你。"),
    _fam("threat.visit_formal", (T,), "sms", "home_visit_threat", LATE, "firm", "outsourced in_house",
         "{sir}您好，您的{product}已逾期{days}天，我司将于近日安排外访人员上门核实情况，请您知悉。",
         "通知：因您长期未还款，我司已安排工作人员于{date}前往您的居住地进行实地走访。",
         "尊敬的客户，您的欠款{amount}逾期未还，我方将派专员上门催收，请提前准备好还款。"),
    # ---------------------------------------------------------------- insult
    _fam("insult.profanity", (I,), "sms chat transcript", "profanity", OVERDUE, "crude", "outsourced",
         "{insult}，欠钱不还还有理了？",
         "{curse}，你个{insult}，赶紧还钱！",
         "你这个{insult}，装什么死，电话也不接。",
         "{name}你个{insult}，{amount}都还不起。",
         "还钱啊{insult}！"),
    _fam("insult.slur", (I,), "sms chat transcript", "slur", OVERDUE, "crude", "outsourced",
         "{slur}，你欠的{amount}什么时候还？",
         "你就是个{slur}，借钱的时候怎么不说没钱？",
         "像你这种{slur}，我们见多了。",
         "{name}这个{slur}，躲得了初一躲不了十五。"),
    _fam("insult.dehumanising", (I,), "sms chat transcript", "dehumanising", LATE, "crude", "outsourced",
         "你真是猪狗不如，借了钱就装死。",
         "畜生都知道感恩，你连畜生都不如。",
         "你这种人就是社会的垃圾，活着浪费空气。",
         "欠钱不还，你跟寄生虫有什么区别？",
         "你就是条狗，叫你还钱都听不懂吗？"),
    _fam("insult.shameless", (I,), "sms chat transcript", "shaming", LATE, "crude", "outsourced",
         "{name}，你还要不要脸？欠钱不还还有脸玩手机？",
         "真不要脸，借钱的时候求爷爷告奶奶，还钱的时候装孙子。",
         "你这种不要脸的人，爹妈知道了都嫌丢人。",
         "脸皮比城墙还厚，欠{amount}一拖就是{days}天。"),
    _fam("insult.family", (I,), "sms chat transcript", "family_insult", LATE, "crude", "outsourced",
         "你全家都是{insult}，难怪养出你这种东西。",
         "你爸妈怎么教出你这种人渣？",
         "有你这样的{offspring}，你们家祖坟都冒黑烟。",
         "你们一家子都是{slur}，一个德行。"),
    _fam("insult.sarcasm", (I,), "sms chat transcript", "sarcasm", LATE, "crude", "outsourced",
         "你可真是个讲信用的“好人”啊，欠钱三个月不还，脸都不要了。",
         "哟，大老板又换新手机了？欠{amount}不还的穷鬼还挺会享受。",
         "您可真行，{days}天一分不还，真是个人才，废物中的人才。",
         "真佩服你，这么厚的脸皮是怎么练出来的？",
         variety="sarcasm"),
    _fam("insult.worthless", (I,), "sms chat transcript", "degrading", LATE, "crude", "outsourced",
         "你这辈子也就这样了，一个{insult}，活该穷一辈子。",
         "废物一个，几千块钱都还不上，还有脸活着？",
         "没本事就别借钱，窝囊废。",
         "就你这样的，一辈子都翻不了身，穷鬼。"),
    _fam("insult.abbrev", (I,), "sms chat", "profanity", OVERDUE, "crude", "outsourced",
         "你个sb，赶紧还钱。",
         "nmsl，钱呢？",
         "tmd给我还钱，{slur}。",
         "cnm，电话也不接。",
         "你这个lj，欠钱不还。",
         variety="obfuscated"),
    # ---------------------------------------------------------------- privacy_leak
    _fam("privacy.contacts_threatened", (T, P), "sms chat transcript", "contact_list_threat", LATE, "firm",
         "outsourced",
         "{deadline}不还，我们就爆你通讯录，让你所有亲戚朋友都知道你欠钱不还。",
         "再不处理，我们就给你通讯录里的每一个人打电话，告诉他们你欠{product}{amount}。",
         "你的通讯录我们已经导出来了，不还钱就群发给你所有联系人。",
         "不还钱是吧？那就让你的同事、朋友、家人都知道你欠钱不还。"),
    _fam("privacy.employer_told", (P,), "sms chat transcript", "employer_disclosure", LATE, "firm",
         "outsourced",
         "我们已经通知你单位领导你欠钱不还了，你自己看着办吧。",
         "{name}，你的欠款情况我们已经告诉你们公司人事了。",
         "刚给你们{employer}的前台打了电话，说了你在{product}逾期{days}天的事。",
         "你同事{name2}已经知道你欠了{amount}，我们跟{he2}说得很清楚。"),
    _fam("privacy.group_exposed", (P,), "sms chat transcript", "public_exposure", LATE, "firm",
         "outsourced",
         "你欠钱不还的事我们已经发到你们小区业主群了。",
         "你的照片和欠款信息已经发到你老家的村民群，大家都看到了。",
         "我们已经在你朋友圈下面留言说明了你的欠款情况。",
         "你们公司的工作群里现在都知道你在{product}欠了{amount}。"),
    _fam("privacy.exposure_threat", (T, P), "sms chat transcript", "public_exposure_threat", LATE, "firm",
         "outsourced",
         "再不还钱，就把你的照片和身份证发到网上曝光。",
         "{deadline}不还，我们就把你欠钱的事印成催收函寄到你老家村委会。",
         "不还就在你们小区贴告示，让邻居都知道你欠钱不还。",
         "我们会把你的欠款信息发到你公司的工作群，你自己选。",
         "不还钱就把你的信息挂到网上，让所有人都看看。"),
    _fam("privacy.third_party_reveal", (P,), "third_party", "third_party_disclosure", OVERDUE, "neutral",
         "outsourced in_house",
         "你好，你是{name}的{contact}吧？{he}在我们平台欠款{amount}，已经逾期{days}天了，麻烦你督促{he}还钱。",
         "您好，我是{product}的，您{offspring}{name}在我们这借的钱逾期了，一直不还，您做家长的管一管。",
         "请问是{name}的家属吗？{he}在{product}的欠款{amount}已经严重逾期，请你们家人帮{he}还上。",
         "你好，{name}把你留作紧急联系人，{he}欠我们{amount}不还，你知道{he}现在在哪吗？",
         "您好，{name}是你们公司员工吧？{he}有一笔{product}欠款逾期未还，请单位协助督促。"),
    _fam("privacy.relative_pressure", (P,), "third_party", "third_party_disclosure", LATE, "firm",
         "outsourced",
         "你好，{name}欠了{amount}一直不还，你们家里人得替{he}想想办法。",
         "阿姨您好，您{offspring}在我们平台借了钱，现在逾期{days}天了，您能先帮{he}还一部分吗？",
         "你{spouse}欠{product}的钱三个月没还了，你们商量一下怎么还吧。",
         "你好，你是{name}的{contact}吧，{he}的{product}账单已经逾期，麻烦提醒{he}尽快还款。"),
    _fam("privacy.pii_exposure", (P,), "third_party chat", "pii_exposure", LATE, "firm",
         "outsourced",
         "各位好，{name}，身份证号{id_number}，欠{product}{amount}逾期不还，现住{address}，请认识的人转告。",
         "你好，{name}的银行卡号是{bank_card}，身份证{id_number}，{he}在我们这欠钱，你能联系上{he}吗？",
         "{name}，{id_number}，手机{phone}，家住{address}，欠款{amount}，知情者请联系。",
         "麻烦转给{name}单位的同事看看：{name}，身份证{id_number}，逾期{days}天未还。"),
    _fam("privacy.contacts_called", (P,), "sms chat transcript", "contact_disclosure", LATE, "firm",
         "outsourced",
         "你通讯录里的人我们都打过了，大家都知道你欠钱了。",
         "你{close}那边我们已经打过电话，把你欠{amount}的事情都说了。",
         "你的紧急联系人我们已经联系过了，告诉他们你在{product}逾期了。",
         "昨天给你大学同学挨个打了电话，说了你欠钱不还的事。"),
    # ---------------------------------------------------------------- false_legal_claim
    _fam("legal.fraud_case", (L,), "sms chat transcript", "fake_criminal_case", LATE, "firm",
         "outsourced",
         "你这是诈骗，公安已经立案了，等着被抓吧。",
         "{name}，你恶意拖欠已构成诈骗罪，{police}已经立案侦查。",
         "你的行为已经涉嫌诈骗，案件已经报到公安，警察很快会联系你。",
         "借钱不还就是诈骗，案件已经移交公安机关，你等着坐牢吧。"),
    _fam("legal.fake_summons", (L,), "sms chat transcript", "fake_summons", LATE, "firm", "outsourced",
         "{court}的传票已经发出，明天送达你户籍地，请准时出庭。",
         "你好，你的案件已经立案，传票今天下午就会送到你家，拒不签收直接拘传。",
         "法院传票已寄出，你拒不还款将被司法拘留。",
         "{sir}，法院传票明天就会送达，到时候就不是还钱这么简单了。"),
    _fam("legal.detention", (L,), "sms chat transcript", "fake_detention", LATE, "firm",
         "outsourced",
         "再不还钱，三天内就会对你进行司法拘留。",
         "你已经被列为网上追逃人员，随时可能被逮捕。",
         "拖欠不还就是违法，要被拘留15天。",
         "你的名字已经报到公安系统了，出门坐车都会被抓。",
         "{name}，全国通缉令马上就下来了，你好自为之。"),
    _fam("legal.freeze_cards", (L,), "sms chat transcript", "fake_asset_freeze", LATE, "firm",
         "outsourced",
         "法院明天冻结你名下所有银行卡，微信支付宝也会一起冻结。",
         "{deadline}不还，你所有银行账户都会被冻结，工资也发不下来。",
         "我们已经申请冻结你的财产，明天你的房子车子都会被查封。",
         "不还款的话，你的支付宝、微信、银行卡今晚全部冻结。"),
    _fam("legal.impersonate_court", (L,), "sms chat transcript", "impersonation_court", LATE, "firm",
         "outsourced",
         "我是{court}执行局的，你的欠款案件已经进入执行程序，请立即还款。",
         "这里是{court}，你涉嫌拒不履行还款义务，请在{deadline}到法院报到。",
         "您好，我是{court}的书记员，通知你明天上午来法院接受调查。",
         "{court}执行庭通知：{name}欠款{amount}案已立案执行，请速联系{phone}。"),
    _fam("legal.impersonate_police", (L,), "sms chat transcript", "impersonation_police", LATE, "firm",
         "outsourced",
         "我是{police}的民警，你涉嫌恶意透支，请配合调查，马上还款可以从轻处理。",
         "这里是公安局经侦大队，你的借款纠纷已经转成刑事案件。",
         "我是{police}的，现在通知你来派出所说明欠款情况，否则上网追逃。",
         "检察院已经对你提起公诉，这是最后一次电话通知。"),
    _fam("legal.impersonate_lawyer", (L,), "sms chat transcript", "impersonation_lawyer", LATE, "firm",
         "outsourced",
         "我是{law_firm}的律师，你的案件已由我所全权代理，三日内不还即刻起诉并申请拘留。",
         "{law_firm}律师函：你已涉嫌合同诈骗，我所将移送公安机关追究刑事责任。",
         "这里是{law_firm}，我是负责你案子的{surname}律师，你这个情况不还钱就要坐牢。"),
    _fam("legal.children_future", (L,), "sms chat transcript", "false_collateral_consequence", LATE, "firm",
         "outsourced",
         "你再不还钱，你孩子以后考公务员、参军政审都过不了。",
         "欠款不还会影响你子女上大学，学校会查父母的征信。",
         "你的逾期会连累孩子，以后孩子上不了好学校。",
         "你孩子以后政审都过不了，当兵考公都没戏。"),
    _fam("legal.family_liability", (L,), "sms chat transcript", "false_collateral_consequence", LATE,
         "firm", "outsourced",
         "你不还，就由你父母承担法律责任，到时候他们也要被拘留。",
         "你父母要替你坐牢，你忍心吗？",
         "父债子还，你不还你孩子以后也得替你还，这是法律规定的。",
         "你{spouse}也要承担连带刑事责任。"),
    _fam("legal.blacklist", (L,), "sms chat transcript", "false_blacklist", OVERDUE, "firm", "outsourced",
         "今天不还，马上把你列入全国黑名单，飞机高铁都坐不了。",
         "逾期超过三天就会被拉进全国征信黑名单，一辈子贷不了款。",
         "你已经进入全国失信名单了，明天起银行卡全部停用。",
         "你的身份证马上就会被注销，出行住酒店都不行。"),
    _fam("legal.criminal_liability", (L,), "sms chat transcript", "false_criminal_liability", LATE, "firm",
         "outsourced",
         "恶意拖欠{amount}已经构成犯罪，要追究你的刑事责任。",
         "逾期超过90天就要坐牢，这是法律规定的。",
         "你这属于恶意逃债，最高可以判三年。",
         "欠款超过一万就是刑事案件，我们已经准备材料移交司法机关。"),
    # ---------------------------------------------------------------- mixed
    _fam("mixed.insult_threat", (I, T), "sms chat transcript", "abusive_threat", LATE, "crude", "outsourced",
         "{slur}，明天我们就上门，看你还能躲到哪去。",
         "你个{insult}，再不还钱小心你的腿。",
         "{insult}，今晚我们的人到你家楼下，你给我等着。",
         "废物，你不还钱，我们天天去你单位堵你。"),
    _fam("mixed.insult_threat_legal", (I, T, L), "sms chat transcript", "abusive_threat", LATE, "crude",
         "outsourced",
         "{slur}，明天我们上门，你这是诈骗，公安已经立案了。",
         "你个{insult}，欠钱不还就是诈骗，我们明天带警察去你家抓你。",
         "{slur}，法院传票明天送到，我们的人也会一起上门堵你。"),
    _fam("mixed.threat_legal", (T, L), "sms chat transcript", "fake_arrest_threat", LATE, "firm",
         "outsourced",
         "明天法院和公安的人会一起上门把你带走。",
         "我们已经报警了，警察今晚就去你家抓人。",
         "再不还钱我们就带着执行局的人去你单位，直接拘留。"),
    _fam("mixed.insult_privacy_threat", (I, P, T), "sms chat transcript", "exposure_threat", LATE, "crude",
         "outsourced",
         "不还钱就告诉你所有亲戚朋友，你就是个欠钱不还的{slur}。",
         "你这个{slur}，再不还我就把你欠钱的事发到你们公司群里。",
         "{insult}，不还钱就让你通讯录里的人都知道你欠钱不还。"),
    _fam("mixed.privacy_legal", (P, L), "sms chat transcript", "disclosure_false_claim", LATE, "firm",
         "outsourced",
         "我们已经通知你单位你欠钱不还，你涉嫌诈骗，公安已立案。",
         "刚才给你{close}打了电话，告诉他们你欠款不还要坐牢了。",
         "你的联系人我们都通知了你欠款的事，你这个情况已经构成犯罪。"),
    _fam("mixed.third_party_insult", (P, I), "third_party", "third_party_disclosure", LATE, "crude",
         "outsourced",
         "你好，你是{name}的{contact}吧，{he}就是个{slur}，欠我们{amount}不还。",
         "阿姨，您{offspring}在我们这欠了钱不还，真是个不要脸的东西。",
         "你认识{name}吧？这个{slur}欠了{product}{amount}跑路了。"),
    _fam("mixed.third_party_legal", (P, L), "third_party", "third_party_disclosure", LATE, "firm",
         "outsourced",
         "您好，{name}涉嫌诈骗，欠我们{amount}，公安已经立案了，作为{he}的{contact}请你配合调查。",
         "你是{name}的家属吧，{he}欠款不还要坐牢，你们家属赶紧帮{he}还上。",
         "我是{court}的，{name}欠款被起诉了，作为{he}的{contact}你有义务协助执行。"),
    _fam("mixed.all_four", (T, I, P, L), "sms chat transcript", "abusive_all", LATE, "crude", "outsourced",
         "{slur}，不还钱我们就爆你通讯录，明天上门，你这是诈骗，等着坐牢吧。",
         "你个{insult}，再不还就把你欠钱的事告诉你全家，公安已经立案，今晚就去你家。",
         "{slur}听好了：你欠钱的事我们已经通知你单位领导，警察明天就到，我们的人也会去你家。"),
    # ---------------------------------------------------------------- transcripts with abusive collector turns
    _fam("threat.tr_call", (T,), "transcript", "home_visit_threat", LATE, "firm", "outsourced",
         "{C}：{name}，钱什么时候还？\n{U}：{excuse}\n{C}：少废话，明天我们的人去你家，你最好在家。\n{U}：你们不能这样。\n{C}：能不能你等着看。",
         "{C}：喂，{name}是吧，逾期{days}天了还装死？\n{U}：{excuse}\n{C}：我们知道你住哪，今晚就去你楼下等你。",
         "{U}：我真的没钱。\n{C}：没钱？那我们就天天去你单位找你，看你还上不上班。\n{U}：{cust_end}",
         "{C}：{name}，给你最后一次机会。\n{U}：{excuse}\n{C}：行，那你走夜路小心点。"),
    _fam("insult.tr_call", (I,), "transcript", "profanity", LATE, "crude", "outsourced",
         "{C}：{name}，{amount}什么时候还？\n{U}：{excuse}\n{C}：你个{insult}，每次都这么说！\n{U}：你怎么骂人？\n{C}：骂的就是你这种{slur}。",
         "{C}：喂，还钱了没有？\n{U}：还没，再宽限几天。\n{C}：宽限你妈，{slur}，借钱的时候怎么那么痛快？",
         "{U}：{cust_abuse}！\n{C}：你才{insult}，欠钱不还还敢骂人？\n{U}：{cust_end}",
         "{C}：{sir}，你是不是觉得我们好欺负？\n{U}：{excuse}\n{C}：真是个{insult}，脸都不要了。"),
    _fam("privacy.tr_third_party", (P,), "transcript", "third_party_disclosure", LATE, "neutral",
         "outsourced",
         "{C}：您好，请问是{name}吗？\n{U}：不是，我是{tp_self}。\n{C}：那正好，{he}在{product}欠了{amount}，逾期{days}天了，您让{he}赶紧还。\n{U}：啊？我不知道这事。",
         "{C}：喂，找{name}。\n{U}：{he}不在，我是{tp_self}，什么事？\n{C}：{he}在我们这借的钱一直不还，已经逾期三个月了，您是家里人得管管。",
         "{C}：您好，这里是{product}贷后部门，请问您认识{name}吗？\n{U}：认识，我是{tp_self}。\n{C}：{he}欠款{amount}逾期未还，把您留作了联系人，麻烦您督促一下。\n{U}：{cust_end}",
         "{U}：你好，哪位？\n{C}：请问是{name}的{contact}吗？{he}的欠款已经逾期了，我们联系不上{he}，您知道{he}在哪吗？\n{U}：不清楚。"),
    _fam("legal.tr_call", (L,), "transcript", "fake_criminal_case", LATE, "firm", "outsourced",
         "{C}：{name}，你这个欠款已经涉嫌诈骗了。\n{U}：我只是晚还几天。\n{C}：公安那边已经立案，再不还就等着被抓吧。",
         "{C}：我是{court}执行局的，你的案子已经判了。\n{U}：我没收到过传票啊。\n{C}：不用收到，明天就冻结你所有银行卡。",
         "{U}：{excuse}\n{C}：你知道不还钱要坐牢吗？逾期三个月就是刑事犯罪。\n{U}：真的假的？\n{C}：你可以试试，到时候你孩子政审都过不了。",
         "{C}：{sir}，我是{law_firm}的律师，你的案件已经移交公安了。\n{U}：{cust_end}"),
    _fam("mixed.tr_abusive", (I, T), "transcript", "abusive_threat", LATE, "crude", "outsourced",
         "{C}：{name}，你个{slur}，钱呢？\n{U}：{excuse}\n{C}：{curse}，明天不还我们就去你家堵你。",
         "{U}：{cust_abuse}，别打了！\n{C}：你才{insult}，不还钱小心你的腿。\n{U}：我报警了！\n{C}：报啊，看警察护不护得住你。",
         "{C}：{insult}，躲什么躲？\n{U}：我在想办法。\n{C}：想个屁，今晚我们的人就到你楼下。"),
)

# Stage vocabulary of data/GUIDELINES.md §5 ("-" in a family = unknown, written as "").
_STAGE_DAYS = {"M1": (1, 30), "M2": (31, 60), "M3+": (61, 720)}


# --------------------------------------------------------------------------------------------- rendering

def _amount(rng: random.Random) -> str:
    x = rng.choice((rng.randrange(200, 3000), rng.randrange(1000, 20000), rng.randrange(5000, 80000)))
    form = rng.randrange(6)
    if form == 0:
        return f"{x + rng.randrange(100) / 100:.2f}元"
    if form == 1:
        return f"{x:,}元"
    if form == 2:
        return f"¥{x}"
    if form == 3 and x >= 10000:
        return f"{x / 10000:.1f}万元"
    return f"{x}元"


def _hotline(rng: random.Random) -> str:
    pattern = rng.choice(_HOTLINES)
    return pattern.format(a=rng.randrange(100, 1000), b=rng.randrange(1000, 10000), c=rng.randrange(100, 1000))


def _slots(rng: random.Random, stage: str) -> dict[str, str]:
    """All slot values for one row; the same value fills every occurrence of a slot."""
    male = rng.random() < 0.55
    surname = rng.choice(_SURNAMES)
    given = "".join(rng.choice(_GIVEN_M if male else _GIVEN_F) for _ in range(rng.choice((1, 2, 2))))
    name = surname + given
    other_male = rng.random() < 0.5
    name2 = rng.choice(_SURNAMES) + rng.choice(_GIVEN_M if other_male else _GIVEN_F)
    city = rng.choice(list(_CITY_DISTRICTS))
    district = rng.choice(_CITY_DISTRICTS[city])
    lo, hi = _STAGE_DAYS.get(stage, (1, 60))
    due = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
    phone = fake_mobile(rng)
    card = fake_bank_card(rng)
    product = rng.choice(PRODUCTS)
    he = "他" if male else "她"
    return {
        "name": name,
        "surname": surname,
        "name2": name2,
        "he2": "他" if other_male else "她",
        "sir": surname + ("先生" if male else "女士"),
        "he": he,
        "offspring": "儿子" if male else "女儿",
        "spouse": "老公" if male else "老婆",
        "close": rng.choice(("父母", "爸妈", "家里人", "老婆" if male else "老公", "兄弟姐妹")),
        "contact": rng.choice(("同事", "朋友", "领导", "室友", "同学", "邻居", "亲戚")),
        "tp_self": rng.choice((f"{he}妈妈", f"{he}爸爸", f"{he}同事", f"{he}朋友", f"{he}{'老婆' if male else '老公'}",
                               f"{he}室友")),
        "product": product,
        "agency": rng.choice(_AGENCY_HEADS) + rng.choice(_AGENCY_TAILS),
        "agent": rng.choice((f"客服小{rng.choice(_SURNAMES)}", f"工号{rng.randrange(1000, 9999)}的专员",
                             f"{rng.choice(_SURNAMES)}经理", "贷后专员", f"小{rng.choice(_SURNAMES)}")),
        "amount": _amount(rng),
        "amount2": _amount(rng),
        "days": str(rng.randint(lo, hi)),
        "date": f"{due.month}月{due.day}日",
        "deadline": rng.choice(("今天18点前", "今晚12点前", "明天中午前", f"{due.month}月{due.day}日前", "三天内",
                                "本周五前")),
        "hour": rng.choice(("晚上6点", "下午5点半", "早上8点", "晚上9点多")),
        "k": str(rng.choice((3, 6, 12, 24))),
        "pct": str(rng.choice((20, 30, 50))),
        "city": city,
        "court": f"{city}市{district}人民法院",
        "police": rng.choice((f"{city}市公安局{district}分局", f"{district[:2]}派出所", f"{city}市公安局")),
        "law_firm": rng.choice(_LAW_FIRM_HEADS) + "律师事务所",
        "school": rng.choice((f"{district[:2]}实验小学", f"{city}市第{rng.randrange(1, 30)}小学", f"{city}市第{rng.randrange(1, 40)}中学",
                              f"{district[:2]}幼儿园")),
        "employer": rng.choice(_AGENCY_HEADS) + rng.choice(_EMPLOYERS),
        "address": f"{city}市{district}{rng.choice(_ROADS)}路{rng.randrange(1, 300)}号{rng.randrange(1, 30)}栋"
                   f"{rng.randrange(1, 6)}单元{rng.randrange(1, 33)}0{rng.randrange(1, 5)}室",
        "village": rng.choice(_VILLAGES) + "村",
        "phone": phone,
        "phone_masked": phone[:3] + "****" + phone[-4:],
        "hotline": _hotline(rng),
        "id_number": fake_cn_id(rng),
        "bank_card": card,
        "tail4": card[-4:],
        "regulator": rng.choice(_REGULATORS),
        "excuse": rng.choice(_EXCUSES),
        "cust_end": rng.choice(_CUST_END),
    }


def _pick_abuse(rng: random.Random, table: dict[str, tuple[str, ...]], obfuscate: bool) -> tuple[str, bool]:
    canonical = rng.choice(list(table))
    if obfuscate and table[canonical]:
        return rng.choice(table[canonical]), True
    return canonical, False


def _converter() -> Callable[[str], str]:
    global _S2T
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t").convert
    return _S2T


_S2T: Callable[[str], str] | None = None
_SPEAKER = re.compile(r"^(\{[CU]\}|[^\s：:]{1,4})([：:])")


def _map_contents(text: str, fn: Callable[[str], str], transcript: bool) -> str:
    """Apply fn to message content only, never to transcript speaker prefixes (other code parses those)."""
    if not transcript:
        return fn(text)
    out = []
    for line in text.split("\n"):
        m = _SPEAKER.match(line)
        out.append(line[: m.end()] + fn(line[m.end():]) if m else fn(line))
    return "\n".join(out)


def _typo(rng: random.Random, text: str) -> str:
    options = [(a, b) for a, b in _TYPOS if a in text]
    if not options:
        return text
    a, b = rng.choice(options)
    positions = [m.start() for m in re.finditer(re.escape(a), text)]
    pos = rng.choice(positions)
    return text[:pos] + b + text[pos + len(a):]


def _punctuation(rng: random.Random, text: str) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return text.translate(str.maketrans("，。！？：；", ",.!?:;"))
    if kind == 1:
        return re.sub(r"[，。]", " ", text).strip()
    if kind == 2:
        return re.sub(r"[。！]$", "", text) + "！！！"
    return re.sub(r"[。！？]$", "", text)


def _emoji(rng: random.Random, text: str) -> str:
    e = rng.choice(_EMOJI)
    if rng.random() < 0.5:
        return text + e
    parts = text.split("，", 1)
    return parts[0] + e + "，" + parts[1] if len(parts) == 2 else text + e


def _wrap_transcript(rng: random.Random, message: str, slots: dict[str, str], variety: list[str]) -> str:
    """Turn a single collector message into a short call: a neutral opening, a customer turn, the message."""
    opening = rng.choice(("您好，请问是{name}吗？", "喂，{sir}吗？我是{product}的。", "您好，这里是{product}贷后服务中心。",
                          "{name}是吧？", "喂，是{name}本人吗？")).format(**slots)
    roll = rng.random()
    if roll < 0.2:
        reply = rng.choice(_CUST_ABUSE) + "，又是你们！"
        variety.append("mixed")
    elif roll < 0.6:
        reply = rng.choice(_CUST_NEUTRAL)
    else:
        reply = slots["excuse"]
    lines = ["{C}：" + opening, "{U}：" + reply, "{C}：" + message]
    if rng.random() < 0.6:
        lines.append("{U}：" + slots["cust_end"])
    return "\n".join(lines)


def _render(rng: random.Random, family: Family) -> tuple[str, str, str, str, tuple[str, ...]]:
    """One text for a family: (text, register, stage, collector, variety)."""
    stage = rng.choice(family.stages)
    collector = rng.choice(family.collectors)
    others = [r for r in family.registers if r != "transcript"]
    # Multi-register families would otherwise make transcripts ~40% of the corpus; calls are one channel of several.
    register = "transcript" if not others or (len(others) < len(family.registers) and rng.random() < 0.25) \
        else rng.choice(others)
    slots = _slots(rng, stage)
    variety: list[str] = list(family.variety)
    obfuscate = rng.random() < 0.3
    template = rng.choice(family.templates)
    for key, table in (("insult", INSULTS), ("slur", SLURS), ("curse", CURSES)):
        slots[key], used = _pick_abuse(rng, table, obfuscate)
        if used and "{" + key + "}" in template:
            variety.append("obfuscated")
    slots["cust_abuse"] = rng.choice(_CUST_ABUSE)
    slots["cust_abuse2"] = rng.choice(_CUST_ABUSE)
    if register in ("sms", "chat") and family.tone in ("firm", "crude") and rng.random() < 0.3 \
            and not template.startswith(("{name}", "{sir}", "{slur}", "{insult}", "{curse}")):
        template = rng.choice(("{name}，", "{name}你听好了，", "{name}，看到回话。", "{sir}，")) + template
    if "{cust_abuse" in template:
        variety.append("mixed")  # a compliant collector next to an abusive customer
    native_transcript = "{C}" in template or "{U}" in template
    if register == "transcript" and not native_transcript:
        template = _wrap_transcript(rng, template, slots, variety)
    if register == "transcript":
        c, u = "催收员", "客户"
        if rng.random() < 0.25:
            c, u = rng.choice(_PREFIX_VARIANTS["C"]), rng.choice(_PREFIX_VARIANTS["U"])
        slots["C"], slots["U"] = c, u
    text = template.format(**slots)
    if register == "sms" and rng.random() < (0.6 if collector in ("bot", "in_house") else 0.25):
        # Signed SMS: platforms sign with the product, agencies with their short name.
        text = f"【{slots['product'] if collector != 'outsourced' else slots['agency'][:2] + '资产'}】" + text
    transcript = register == "transcript"
    if rng.random() < 0.08:
        text = _map_contents(text, lambda s: _typo(rng, s), transcript)
        variety.append("typo")
    if rng.random() < 0.12:
        text = _map_contents(text, lambda s: _punctuation(rng, s), transcript)  # not a GUIDELINES variety tag
    if rng.random() < 0.08:
        text = _emoji(rng, text) if not transcript else text + rng.choice(_EMOJI)
        variety.append("emoji")
    if rng.random() < 0.08:
        text = _map_contents(text, _converter(), transcript)
        variety.append("traditional")
    if "{id_number}" in template or "{bank_card}" in template:
        variety.append("fake_pii")
    return text, register, "" if stage == "-" else stage, collector, tuple(dict.fromkeys(variety))


def generate(n: int, seed: int = 0, families: tuple[Family, ...] = FAMILIES) -> list[CorpusRow]:
    """n distinct synthetic rows, families visited in seeded shuffled rounds so every family is used evenly."""
    rng = random.Random(seed)
    rows: list[CorpusRow] = []
    seen: set[str] = set()
    order: list[Family] = []
    misses = 0
    while len(rows) < n:
        if not order:
            order = list(families)
            rng.shuffle(order)
        family = order.pop()
        for _ in range(30):
            text, register, stage, collector, variety = _render(rng, family)
            if text not in seen:
                break
        else:
            misses += 1
            if misses > 10 * len(families):
                raise ConfigError(f"cannot make {n} distinct rows from {len(families)} families")
            continue
        seen.add(text)
        rows.append(CorpusRow(
            id=f"syn-{seed}-{len(rows):05d}",
            text=text,
            labels=family.labels,
            register=register,
            source="synthetic",
            family=family.id,
            scenario=family.scenario,
            stage=stage,
            collector=collector,
            tone=family.tone,
            variety=variety,
        ))
    return rows
