"""The demo hospital's question bank and exams: data only (assessments.demo builds them).

About 23 bilingual questions per job role, written for a Chinese hospital going live on a new
HIS: orders (医嘱), e-prescribing, allergy alerts and discharge for doctors; wristband-scan
medication administration (腕带扫码给药), documentation, vital signs and handover for nurses;
registration (挂号), billing (收费), refunds and insurance settlement (医保结算) for cashiers;
accounts, least privilege, passwords and audit for administrative staff.

Questions are keyed on `idnumber`; categories are "Demo hospital/<Role>/<Topic>". Each role has
a "Scenarios" category holding its essay, which exams include as a fixed question and never
draw at random. Percentages follow the question editor (100 = right, negative = penalty).
"""

from dataclasses import dataclass

from .models import Difficulty, HisModule, QType

EASY, MEDIUM, HARD = Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD


@dataclass(frozen=True)
class Answer:
    text: str
    text_zh: str
    percent: float = 0
    feedback: str = ""
    feedback_zh: str = ""
    tolerance: str = "0"
    match: str = ""
    match_zh: str = ""


@dataclass(frozen=True)
class Item:
    idnumber: str
    topic: str  # a key of the role's TOPICS
    qtype: str
    difficulty: str
    name: str
    text: str
    text_zh: str
    answers: tuple[Answer, ...]
    feedback: str
    feedback_zh: str
    mark: str = "1"


def ok(text, text_zh, feedback="", feedback_zh="", percent=100) -> Answer:
    return Answer(text, text_zh, percent, feedback, feedback_zh)


def no(text, text_zh, feedback="", feedback_zh="", percent=0) -> Answer:
    return Answer(text, text_zh, percent, feedback, feedback_zh)


def number(value, tolerance="0", feedback="", feedback_zh="") -> Answer:
    return Answer(str(value), str(value), 100, feedback, feedback_zh, tolerance=str(tolerance))


def pattern(text, feedback="", feedback_zh="") -> Answer:
    """An accepted short answer (`*` is a wildcard); the same pattern in both languages."""
    return Answer(text, text, 100, feedback, feedback_zh)


def pair(text, text_zh, match, match_zh) -> Answer:
    return Answer(text, text_zh, 0, match=match, match_zh=match_zh)


def truth(right: bool, why: str, why_zh: str) -> tuple[Answer, Answer]:
    """A true/false question's two rows ("true" then "false"), the explanation on both."""
    return (
        Answer("true", "正确", 100 if right else 0, why, why_zh),
        Answer("false", "错误", 0 if right else 100, why, why_zh),
    )


ROOT = ("Demo hospital", "演示医院")
ROLES = [
    ("doctor", "Doctor", "医生"),
    ("nurse", "Nurse", "护士"),
    ("cashier", "Cashier", "收费员"),
    ("admin", "Administrative staff", "行政人员"),
]
SCENARIOS = "scenarios"
# role -> [(topic key, English, Chinese, HIS module)]
TOPICS = {
    "doctor": [
        ("orders", "Order entry", "医嘱录入", HisModule.ORDERS),
        ("prescribing", "E-prescribing", "电子处方", HisModule.ORDERS),
        ("allergy", "Allergy and interaction alerts", "过敏与相互作用警示", HisModule.ORDERS),
        ("discharge", "Discharge", "出院", HisModule.ORDERS),
        (SCENARIOS, "Scenarios (essay)", "情景分析（论述题）", HisModule.ORDERS),
    ],
    "nurse": [
        ("mar", "Wristband scan medication administration", "腕带扫码给药", HisModule.MEDICATION),
        ("docs", "Nursing documentation", "护理文书", HisModule.NURSING),
        ("vitals", "Vital signs", "生命体征", HisModule.NURSING),
        ("handover", "Handover", "交接班", HisModule.NURSING),
        (SCENARIOS, "Scenarios (essay)", "情景分析（论述题）", HisModule.NURSING),
    ],
    "cashier": [
        ("registration", "Registration", "挂号", HisModule.REGISTRATION),
        ("billing", "Billing and payments", "收费与支付", HisModule.BILLING),
        ("refunds", "Refunds and settlement", "退费与日结", HisModule.BILLING),
        ("insurance", "Insurance settlement", "医保结算", HisModule.BILLING),
        (SCENARIOS, "Scenarios (essay)", "情景分析（论述题）", HisModule.BILLING),
    ],
    "admin": [
        ("accounts", "User accounts", "用户账号", HisModule.ADMINISTRATION),
        (
            "permissions",
            "Permissions and least privilege",
            "权限与最小权限",
            HisModule.ADMINISTRATION,
        ),
        ("passwords", "Password policy", "密码策略", HisModule.ADMINISTRATION),
        ("audit", "Audit", "审计", HisModule.ADMINISTRATION),
        (SCENARIOS, "Scenarios (essay)", "情景分析（论述题）", HisModule.ADMINISTRATION),
    ],
}


# ---------------------------------------------------------------------------------------------
# Doctors

DOCTOR = [
    Item(
        "demo-doctor-orders-01",
        "orders",
        QType.SINGLE,
        EASY,
        "Temporary order",
        "<p>Which of these is a <b>temporary order</b> (临时医嘱)?</p>",
        "<p>以下哪一项属于<b>临时医嘱</b>？</p>",
        (
            no(
                "Metformin 500 mg twice daily",
                "二甲双胍 500 mg 每日两次",
                "A regular drug is a long-term order until it is stopped.",
                "规律用药属于长期医嘱，直到停止为止。",
            ),
            ok(
                "Full blood count, STAT",
                "急查血常规",
                "A test done once is a temporary order.",
                "只执行一次的检查属于临时医嘱。",
            ),
            no(
                "Level II nursing care",
                "二级护理",
                "Care levels stay in force until changed: long-term.",
                "护理级别持续有效，属于长期医嘱。",
            ),
            no(
                "Low-salt diet",
                "低盐饮食",
                "A diet applies every day: long-term.",
                "饮食医嘱每天执行，属于长期医嘱。",
            ),
        ),
        "Temporary orders are carried out once (tests, single doses, procedures); long-term "
        "orders repeat until you stop them.",
        "临时医嘱只执行一次（检查、单次用药、操作）；长期医嘱持续执行，直到医生停止。",
    ),
    Item(
        "demo-doctor-orders-02",
        "orders",
        QType.SINGLE,
        MEDIUM,
        "Change a signed order",
        "<p>You want to change a signed long-term infusion order from 500 ml to 1000 ml. "
        "What do you do?</p>",
        "<p>您需要将一条已签名的长期输液医嘱由 500 ml 改为 1000 ml，应如何操作？</p>",
        (
            ok(
                "Stop the order and write a new one",
                "停止原医嘱，重新开具新医嘱",
                "Stop and re-order keeps a clean history and alerts the nurse.",
                "停止后重开可保留清晰的医嘱记录，并提醒护士。",
            ),
            no(
                "Edit the volume on the signed order",
                "直接在已签名医嘱上修改剂量",
                "A signed order is a legal record and cannot be edited.",
                "已签名医嘱属于法律文书，不能修改。",
            ),
            no(
                "Tell the nurse to give double",
                "口头告诉护士给双倍量",
                "The administration record would not match the order.",
                "给药记录将与医嘱不符。",
            ),
            no(
                "Ask IT to change it in the database",
                "请信息科在数据库中修改",
                "Nobody edits clinical records behind the audit trail.",
                "任何人都不能绕过审计修改临床记录。",
            ),
        ),
        "Signed orders are never edited: stop the old order and enter a new one.",
        "已签名医嘱不能修改：停止原医嘱，再开具新医嘱。",
    ),
    Item(
        "demo-doctor-orders-03",
        "orders",
        QType.TRUEFALSE,
        EASY,
        "Unsigned orders",
        "<p>The ward nurse can carry out an order that you have saved (暂存) but not signed.</p>",
        "<p>护士可以执行您已暂存但尚未签名的医嘱。</p>",
        truth(
            False,
            "Saved orders stay on your screen; only signed orders reach the nurse's work list.",
            "暂存的医嘱只在您的界面中；只有签名后的医嘱才会进入护士的执行单。",
        ),
        "Sign the orders before you leave the patient; the nurse sees nothing until then.",
        "离开患者前请签名医嘱；签名前护士看不到任何医嘱。",
    ),
    Item(
        "demo-doctor-orders-04",
        "orders",
        QType.SHORTANSWER,
        EASY,
        "Kind of order for a STAT test",
        "<p>A one-off STAT blood test is entered as which kind of order: long-term or "
        "temporary? Answer in one word.</p>",
        "<p>一次性急查化验应开具哪一类医嘱：长期还是临时？请用一个词回答。</p>",
        (
            pattern("temporary*", "Right: it is done once.", "正确：只执行一次。"),
            pattern("*临时*", "Right: it is done once.", "正确：只执行一次。"),
        ),
        "Anything carried out once is a temporary order (临时医嘱).",
        "凡只执行一次的医嘱均为临时医嘱。",
    ),
    Item(
        "demo-doctor-orders-05",
        "orders",
        QType.MULTIPLE,
        MEDIUM,
        "Checks before signing admission orders",
        "<p>Before you sign a new patient's admission orders, what do you check on the screen? "
        "Choose all that apply.</p>",
        "<p>签署新入院患者的医嘱前，您需要在屏幕上核对哪些内容？请选出所有正确答案。</p>",
        (
            ok(
                "The name and record number in the patient banner",
                "患者信息栏中的姓名和病案号",
                percent=33.33333,
            ),
            ok("The recorded allergies", "已记录的过敏史", percent=33.33333),
            ok(
                "The weight used for weight-based doses",
                "按体重计算剂量所用的体重",
                percent=33.33333,
            ),
            no(
                "The bed number only",
                "只核对床号",
                "Bed numbers change with every transfer.",
                "床号会随转床改变。",
                percent=-50,
            ),
            no(
                "Nothing: the HIS checks everything",
                "无需核对，系统会全部检查",
                "The alerts only work on what is recorded.",
                "系统警示只能基于已记录的信息。",
                percent=-100,
            ),
        ),
        "Right patient, right allergies, right weight: the alerts and dose checks depend on them.",
        "患者正确、过敏史正确、体重正确：系统警示和剂量核查都依赖这些信息。",
        mark="2",
    ),
    Item(
        "demo-doctor-rx-01",
        "prescribing",
        QType.SINGLE,
        EASY,
        "Prescription validity",
        "<p>How long is an ordinary outpatient prescription valid?</p>",
        "<p>普通门诊处方的有效期是多久？</p>",
        (
            ok(
                "The day it is issued (up to 3 days if you note why)",
                "开具当日有效（注明理由最长3天）",
                "Prescription rules: valid on the day issued unless extended.",
                "《处方管理办法》：处方开具当日有效，特殊情况可延长。",
            ),
            no("3 days", "3天"),
            no("7 days", "7天"),
            no("Until the drugs are dispensed", "直到药品发出为止"),
        ),
        "An outpatient prescription is valid on the day it is issued; the doctor may extend it to "
        "at most 3 days and must note the reason.",
        "门诊处方当日有效；特殊情况由医生注明有效期，最长不超过3天。",
    ),
    Item(
        "demo-doctor-rx-02",
        "prescribing",
        QType.SINGLE,
        MEDIUM,
        "Supply limit, ordinary outpatient",
        "<p>For an ordinary outpatient prescription, the quantity should not normally exceed how "
        "many days' supply?</p>",
        "<p>普通门诊处方一般不得超过几日用量？</p>",
        (
            ok(
                "7 days",
                "7日",
                "Longer only for chronic illness, with a note.",
                "慢性病等特殊情况可适当延长，但须注明理由。",
            ),
            no(
                "3 days",
                "3日",
                "That is the limit for emergency prescriptions.",
                "这是急诊处方的限制。",
            ),
            no("14 days", "14日"),
            no("30 days", "30日"),
        ),
        "Ordinary outpatient: 7 days; emergency: 3 days; chronic illness may be longer with a "
        "reason. The HIS warns when you exceed them.",
        "普通门诊一般不超过7日用量，急诊不超过3日用量，慢性病可适当延长并注明理由。超量时系统会提示。",
    ),
    Item(
        "demo-doctor-rx-03",
        "prescribing",
        QType.NUMERICAL,
        EASY,
        "Tablets for a 3-day course",
        "<p>Azithromycin 500 mg once daily for 3 days; the pharmacy stocks 250 mg tablets. How "
        "many tablets does the prescription need?</p>",
        "<p>阿奇霉素 500 mg，每日一次，共3天；药房规格为 250 mg/片。处方总量应为多少片？</p>",
        (number(6, 0, "2 tablets a day × 3 days.", "每日2片 × 3天。"),),
        "The HIS calculates the quantity from the dose: change the dose, not the quantity.",
        "系统根据剂量计算总量：应修改剂量，而不是直接改总量。",
    ),
    Item(
        "demo-doctor-rx-04",
        "prescribing",
        QType.NUMERICAL,
        HARD,
        "Weight-based dose",
        "<p>Amoxicillin 40 mg/kg/day in two divided doses for a child weighing 15 kg. How many mg "
        "per dose? (±10 mg accepted)</p>",
        "<p>阿莫西林按 40 mg/kg/日，分两次给药，患儿体重 15 kg。"
        "每次剂量为多少 mg？（允许误差 ±10 mg）</p>",
        (
            number(
                300,
                10,
                "15 kg × 40 mg = 600 mg a day, in two doses.",
                "15 kg × 40 mg = 每日 600 mg，分两次。",
            ),
        ),
        "Check the weight in the banner first: the HIS dose check uses the recorded weight.",
        "请先核对信息栏中的体重：系统剂量核查使用的是已记录的体重。",
    ),
    Item(
        "demo-doctor-rx-05",
        "prescribing",
        QType.SINGLE,
        MEDIUM,
        "Emergency prescription length",
        "<p>The HIS warns that your emergency department prescription covers 5 days. What is the "
        "usual limit for an emergency prescription?</p>",
        "<p>系统提示您开具的急诊处方为5日用量。急诊处方的一般用量限制是多少？</p>",
        (
            ok(
                "3 days",
                "3日",
                "Emergency prescriptions cover at most 3 days.",
                "急诊处方一般不得超过3日用量。",
            ),
            no("5 days", "5日"),
            no(
                "7 days",
                "7日",
                "That is the ordinary outpatient limit.",
                "这是普通门诊处方的限制。",
            ),
            no("No limit", "无限制"),
        ),
        "Emergency prescriptions: 3 days. Refer the patient to the clinic for longer treatment.",
        "急诊处方一般不超过3日用量；需要更长疗程时请患者到门诊就诊。",
    ),
    Item(
        "demo-doctor-rx-06",
        "prescribing",
        QType.SINGLE,
        MEDIUM,
        "Prescription returned by the pharmacist",
        "<p>The pharmacist returns your prescription with “dose exceeds the maximum” "
        "(药师审方退回). What do you do?</p>",
        "<p>药师审方退回您的处方，提示“剂量超过最大量”。您应如何处理？</p>",
        (
            ok(
                "Review the dose; correct it, or record the clinical reason, and sign again",
                "复核剂量；修改剂量或记录临床理由后重新签名",
                "The pharmacist's check is part of the safety net.",
                "药师审方是用药安全的一道防线。",
            ),
            no(
                "Print a paper prescription instead",
                "改开纸质处方",
                "Paper bypasses every check and is only for downtime.",
                "纸质处方绕过所有核查，仅用于系统停机。",
            ),
            no(
                "Phone the pharmacist to dispense it anyway",
                "打电话让药师照发",
                "Nothing in the record would explain the dose.",
                "记录中将没有任何剂量说明。",
            ),
            no("Ask the patient to buy the drug elsewhere", "让患者去院外购买"),
        ),
        "A returned prescription comes back to your work list with the pharmacist's comment.",
        "被退回的处方会带着药师意见回到您的待办列表。",
    ),
    Item(
        "demo-doctor-allergy-01",
        "allergy",
        QType.SINGLE,
        EASY,
        "Empty allergy list",
        "<p>The allergy list of a new patient is empty. What does it mean?</p>",
        "<p>新患者的过敏史列表为空，这意味着什么？</p>",
        (
            no("The patient has no allergies", "患者没有过敏史"),
            ok(
                "Allergies have not been recorded yet: ask and record",
                "尚未记录过敏史：需询问并记录",
                "Record “no known allergies” as a deliberate, dated statement.",
                "“无已知过敏史”也必须作为一条有日期的明确记录录入。",
            ),
            no("The allergy module is switched off in outpatients", "门诊未启用过敏模块"),
        ),
        "The alerts only work on recorded allergies: empty means unknown.",
        "系统警示只基于已记录的过敏史：空白表示未知。",
    ),
    Item(
        "demo-doctor-allergy-02",
        "allergy",
        QType.SINGLE,
        EASY,
        "Allergy alert on amoxicillin",
        "<p>A penicillin-allergic patient needs an antibiotic for pharyngitis. The alert fires on "
        "amoxicillin. What is the usual response?</p>",
        "<p>青霉素过敏患者因咽炎需要抗生素，开具阿莫西林时系统弹出过敏警示。通常应如何处理？</p>",
        (
            no("Override: the rash was probably viral", "忽略警示：皮疹可能是病毒性的"),
            ok("Choose another drug, such as a macrolide", "改用其他药物，如大环内酯类"),
            no(
                "Delete the allergy so the alert stops",
                "删除过敏记录以消除警示",
                "Deleting a recorded allergy is never a way to silence an alert.",
                "绝不能通过删除过敏记录来消除警示。",
            ),
        ),
        "Amoxicillin is a penicillin. Choose an alternative.",
        "阿莫西林属于青霉素类，应改用其他药物。",
    ),
    Item(
        "demo-doctor-allergy-03",
        "allergy",
        QType.MULTIPLE,
        MEDIUM,
        "What an allergy entry holds",
        "<p>Which of these belong in an allergy entry in the HIS? Choose all that apply.</p>",
        "<p>在系统中录入一条过敏记录时，应包含以下哪些内容？请选出所有正确答案。</p>",
        (
            ok("The substance (e.g. penicillin)", "过敏原（如青霉素）", percent=33.33333),
            ok(
                "The reaction (e.g. rash, anaphylaxis)",
                "过敏反应（如皮疹、过敏性休克）",
                percent=33.33333,
            ),
            ok("The severity", "严重程度", percent=33.33333),
            no(
                "The drug you were about to prescribe",
                "您准备开具的药品",
                "That is not an allergy; the alert compares it with the entry.",
                "这不是过敏史；系统会把它与过敏记录进行比对。",
                percent=-50,
            ),
        ),
        "Substance, reaction and severity let the next doctor judge an alert.",
        "过敏原、反应和严重程度可帮助下一位医生判断警示。",
        mark="2",
    ),
    Item(
        "demo-doctor-allergy-04",
        "allergy",
        QType.TRUEFALSE,
        EASY,
        "Override reason",
        "<p>Overriding an interaction alert requires a reason, which is stored with the "
        "prescription.</p>",
        "<p>忽略药物相互作用警示时必须填写理由，理由会与处方一起保存。</p>",
        truth(
            True,
            "The reason is shown to the pharmacist and kept in the record.",
            "理由会显示给药师，并保存在病历中。",
        ),
        "An override without a reason cannot be signed.",
        "未填写理由的忽略操作无法签名。",
    ),
    Item(
        "demo-doctor-allergy-05",
        "allergy",
        QType.SINGLE,
        HARD,
        "Necessary interacting combination",
        "<p>The HIS shows a severe interaction between warfarin and a drug you are adding. You "
        "judge the combination necessary. What do you do?</p>",
        "<p>系统提示华法林与您新开的药物存在严重相互作用，但您判断联合用药是必要的。应如何处理？</p>",
        (
            ok(
                "Override with a reason, order INR monitoring and tell the patient",
                "填写理由后忽略警示，开具INR监测并告知患者",
            ),
            no("Override without a reason", "不填理由直接忽略"),
            no(
                "Remove warfarin from the current medication list",
                "从当前用药列表中删除华法林",
                "The list would then be false for everyone.",
                "这样用药列表对所有人都是错误的。",
            ),
            no("Ask the nurse to decide", "让护士决定"),
        ),
        "An override is a clinical decision: record why and plan the monitoring.",
        "忽略警示是一项临床决策：记录理由并安排监测。",
    ),
    Item(
        "demo-doctor-allergy-06",
        "allergy",
        QType.MATCHING,
        MEDIUM,
        "Alerts and responses",
        "<p>Match each HIS alert with the right response.</p>",
        "<p>请将每条系统警示与正确的处理方式配对。</p>",
        (
            pair(
                "Allergy: penicillin-allergic patient, amoxicillin ordered",
                "过敏：青霉素过敏患者开具阿莫西林",
                "Choose an alternative drug",
                "改用其他药物",
            ),
            pair(
                "Duplicate therapy: two proton pump inhibitors",
                "重复用药：两种质子泵抑制剂",
                "Stop one of them",
                "停用其中一种",
            ),
            pair(
                "Dose above the maximum for the recorded weight",
                "剂量超过按体重计算的最大量",
                "Recalculate the dose",
                "重新计算剂量",
            ),
            pair(
                "Severe interaction, combination clinically necessary",
                "严重相互作用，但临床必须联用",
                "Override with a reason and monitor",
                "填写理由后忽略并加强监测",
            ),
        ),
        "Every alert has a usual answer; an override is the exception and needs a reason.",
        "每类警示都有常规处理方式；忽略警示是例外情况，必须说明理由。",
        mark="2",
    ),
    Item(
        "demo-doctor-discharge-01",
        "discharge",
        QType.SINGLE,
        MEDIUM,
        "Before discharge settlement",
        "<p>What must the doctor do in the HIS before the patient can settle the bill at "
        "discharge (出院结算)?</p>",
        "<p>患者办理出院结算前，医生必须在系统中完成什么操作？</p>",
        (
            ok(
                "Enter the discharge order and stop all long-term orders",
                "开具出院医嘱并停止所有长期医嘱",
                "Open long-term orders keep generating charges.",
                "未停止的长期医嘱会继续产生费用。",
            ),
            no("Print the discharge summary", "打印出院小结"),
            no("Phone the cashier", "打电话给收费处"),
            no("Nothing: billing closes the account", "无需操作，收费处会结账"),
        ),
        "The discharge order tells the ward and billing; stopped orders stop the charges.",
        "出院医嘱会通知病房和收费处；停止医嘱后不再产生费用。",
    ),
    Item(
        "demo-doctor-discharge-02",
        "discharge",
        QType.NUMERICAL,
        MEDIUM,
        "Discharge record deadline",
        "<p>Within how many hours of discharge must the discharge record (出院记录) be completed "
        "in the HIS?</p>",
        "<p>出院记录应在患者出院后多少小时内完成？</p>",
        (
            number(
                24,
                0,
                "Medical record rules: within 24 hours.",
                "病历书写规范：出院后24小时内完成。",
            ),
        ),
        "The HIS lists discharge records still open after 24 hours on the department's quality "
        "report.",
        "超过24小时未完成的出院记录会出现在科室质控报表中。",
    ),
    Item(
        "demo-doctor-discharge-03",
        "discharge",
        QType.MULTIPLE,
        HARD,
        "Discharge medication reconciliation",
        "<p>Discharge medication reconciliation: which of these are correct? Choose all that "
        "apply.</p>",
        "<p>出院用药重整：以下哪些做法是正确的？请选出所有正确答案。</p>",
        (
            ok(
                "Compare the home medicines with the inpatient orders",
                "将入院前用药与住院医嘱进行比对",
                percent=50,
            ),
            ok(
                "State for each drug: continue, stop or change",
                "对每种药物注明继续、停用或调整",
                percent=50,
            ),
            no(
                "Copy every inpatient order to the discharge prescription",
                "将所有住院医嘱复制到出院带药",
                "IV and one-off drugs do not go home.",
                "静脉用药和临时用药不应带回家。",
                percent=-50,
            ),
            no("Leave it to the pharmacist", "交给药师处理即可", percent=-50),
        ),
        "The discharge prescription is a decision per drug, made by the doctor.",
        "出院带药需要医生对每种药物逐一作出决定。",
        mark="2",
    ),
    Item(
        "demo-doctor-discharge-04",
        "discharge",
        QType.TRUEFALSE,
        EASY,
        "Signing in a colleague's session",
        "<p>You may sign a discharge summary in a colleague's HIS session while they are in "
        "theatre.</p>",
        "<p>同事在手术室时，您可以在其系统登录状态下签署出院小结。</p>",
        truth(
            False,
            "Everything in a session is recorded as its owner's. Sign in as yourself.",
            "登录状态下的所有操作都记录为账号本人所为，请用自己的账号登录。",
        ),
        "Lock your screen when you leave; sign only as yourself.",
        "离开时锁屏；只能以自己的身份签名。",
    ),
    Item(
        "demo-doctor-discharge-05",
        "discharge",
        QType.SINGLE,
        EASY,
        "Discharge follow-up",
        "<p>Where does the patient's follow-up appointment appear after you book it in the "
        "discharge summary?</p>",
        "<p>在出院小结中预约复诊后，复诊信息会出现在哪里？</p>",
        (
            ok(
                "On the printed discharge summary and in the clinic's appointment list",
                "打印的出院小结上以及门诊预约列表中",
            ),
            no("Only in your own notes", "只在您自己的记录中"),
            no("Nowhere: the patient must phone to book", "不会出现，患者需自行电话预约"),
        ),
        "Booking in the HIS reserves the slot (预约挂号) so the patient does not queue again.",
        "在系统中预约即锁定号源，患者复诊时无需重新排队挂号。",
    ),
    Item(
        "demo-doctor-essay-01",
        SCENARIOS,
        QType.ESSAY,
        HARD,
        "Interaction alert at night",
        "<p>Night shift. A 74-year-old inpatient on warfarin has pneumonia; you prescribe "
        "clarithromycin and the HIS shows a severe interaction alert. Describe how you decide, "
        "what you enter in the HIS and whom you inform.</p>",
        "<p>夜班。一位74岁住院患者正在服用华法林，现患肺炎；您开具克拉霉素时系统提示严重药物相互作用。"
        "请描述您如何决策、在系统中录入什么，以及需要通知谁。</p>",
        (),
        "A good answer: considers an alternative without the interaction (e.g. another "
        "antibiotic class); if clarithromycin is still needed, overrides with a specific reason; "
        "orders INR monitoring and adjusts warfarin if needed; informs the nurse and the "
        "pharmacist; documents the decision in the progress note.",
        "参考要点：先考虑无相互作用的替代药物（如其他类别抗生素）；如仍需使用克拉霉素，填写具体理由后忽略警示；"
        "开具INR监测，必要时调整华法林剂量；通知护士和药师；在病程记录中记录决策过程。",
        mark="4",
    ),
]


# ---------------------------------------------------------------------------------------------
# Nurses

NURSE = [
    Item(
        "demo-nurse-mar-01",
        "mar",
        QType.SINGLE,
        EASY,
        "First scan",
        "<p>At the bedside, what do you scan first?</p>",
        "<p>在床旁给药时，首先扫描什么？</p>",
        (
            no("The medication barcode", "药品条码"),
            ok(
                "The patient's wristband",
                "患者腕带",
                "The wristband selects the patient; the drug is then checked against that "
                "patient's orders.",
                "扫描腕带确定患者，再将药品与该患者的医嘱进行核对。",
            ),
            no("The bed label", "床头卡"),
        ),
        "Wristband first, then each medication.",
        "先扫腕带，再逐一扫描药品。",
    ),
    Item(
        "demo-nurse-mar-02",
        "mar",
        QType.SINGLE,
        EASY,
        "Green wristband scan",
        "<p>The wristband scan shows a green bar. Can you tap <b>Administered</b> (已执行) "
        "now?</p>",
        "<p>扫描腕带后显示绿色。现在可以点击<b>已执行</b>吗？</p>",
        (
            no("Yes, the patient is confirmed", "可以，患者已确认"),
            ok(
                "No, scan the medication first",
                "不可以，还需扫描药品",
                "The second scan checks drug, dose, route and time against the order.",
                "第二次扫描会核对药品、剂量、途径和时间是否与医嘱一致。",
            ),
        ),
        "Both scans are required before recording the dose.",
        "两次扫描都完成后才能记录给药。",
    ),
    Item(
        "demo-nurse-mar-03",
        "mar",
        QType.SINGLE,
        MEDIUM,
        "Creased wristband",
        "<p>The wristband is too creased to scan. What do you do?</p>",
        "<p>腕带褶皱严重无法扫描，应如何处理？</p>",
        (
            no("Type the record number on the PDA", "在PDA上手工输入病案号"),
            no("Scan the spare wristband taped to the bed", "扫描贴在床上的备用腕带"),
            ok(
                "Confirm identity, reprint the wristband, put it on, then scan",
                "核对身份后重新打印腕带并佩戴，然后扫描",
            ),
        ),
        "Only a wristband on the patient proves the patient in front of you.",
        "只有戴在患者身上的腕带才能证明眼前的患者身份。",
    ),
    Item(
        "demo-nurse-mar-04",
        "mar",
        QType.SINGLE,
        MEDIUM,
        "Drug not ordered",
        "<p>The medication scan shows a red “Not ordered for this patient” (非本患者医嘱). What do "
        "you do?</p>",
        "<p>扫描药品后显示红色提示“非本患者医嘱”，应如何处理？</p>",
        (
            ok(
                "Do not give it; check the order with the doctor or pharmacy",
                "不给药；与医生或药房核实医嘱",
            ),
            no(
                "Give it: the doctor asked for it on the round",
                "照常给药：医生查房时口头交代过",
                "A verbal request is not an order in the HIS.",
                "口头交代不是系统中的医嘱。",
            ),
            no("Scan it again until it turns green", "反复扫描直到变绿"),
            no("Record it as given and tell the doctor later", "先记录已执行，稍后告诉医生"),
        ),
        "A red scan is a stop: the wrong drug, the wrong patient or a missing order.",
        "红色提示就是停止信号：药品错误、患者错误或缺少医嘱。",
    ),
    Item(
        "demo-nurse-mar-05",
        "mar",
        QType.MULTIPLE,
        MEDIUM,
        "High-alert medicines",
        "<p>Which of these high-alert medicines need a second nurse's check (双人核对) in the "
        "HIS? Choose all that apply.</p>",
        "<p>以下哪些高警示药品在系统中需要第二名护士双人核对？请选出所有正确答案。</p>",
        (
            ok("Insulin", "胰岛素", percent=33.33333),
            ok("Intravenous potassium chloride", "静脉用氯化钾", percent=33.33333),
            ok("Heparin infusion", "肝素泵入", percent=33.33333),
            no("Oral paracetamol", "口服对乙酰氨基酚", percent=-50),
            no("Saline flush", "生理盐水冲管", percent=-50),
        ),
        "The HIS asks the second nurse to scan their badge before the dose can be recorded.",
        "系统要求第二名护士扫描胸卡后才能记录给药。",
        mark="2",
    ),
    Item(
        "demo-nurse-mar-06",
        "mar",
        QType.TRUEFALSE,
        EASY,
        "Refused dose",
        "<p>When a patient refuses a dose, you record it as not given with the reason and tell "
        "the doctor.</p>",
        "<p>患者拒绝服药时，应记录为未执行并注明原因，同时告知医生。</p>",
        truth(
            True,
            "Not given with a reason keeps the record true; the doctor may change the plan.",
            "记录未执行及原因可保证记录真实；医生可能需要调整治疗方案。",
        ),
        "Never leave a due dose blank: record given, not given (with the reason) or held.",
        "到时的药物不能空着：应记录已执行、未执行（注明原因）或暂停。",
    ),
    Item(
        "demo-nurse-mar-07",
        "mar",
        QType.NUMERICAL,
        HARD,
        "Drip rate",
        "<p>1000 ml of saline over 8 hours with a giving set of 20 drops/ml. How many drops per "
        "minute? (round to a whole number; ±1 accepted)</p>",
        "<p>生理盐水 1000 ml，8小时输完，输液器滴系数为 20 滴/ml。"
        "每分钟应滴多少滴？（取整数，允许误差 ±1）</p>",
        (
            number(
                42,
                1,
                "1000 × 20 ÷ (8 × 60) = 41.7 drops/min.",
                "1000 × 20 ÷ (8 × 60) ≈ 41.7 滴/分。",
            ),
        ),
        "Volume × drop factor ÷ minutes.",
        "输液总量 × 滴系数 ÷ 输液分钟数。",
    ),
    Item(
        "demo-nurse-mar-08",
        "mar",
        QType.NUMERICAL,
        HARD,
        "Enoxaparin volume",
        "<p>Enoxaparin 1 mg/kg for a patient weighing 64 kg; the syringe holds 100 mg/ml. How many "
        "ml do you give? (±0.01 ml accepted)</p>",
        "<p>依诺肝素按 1 mg/kg 给药，患者体重 64 kg，注射液浓度为 100 mg/ml。"
        "应注射多少 ml？（允许误差 ±0.01 ml）</p>",
        (number("0.64", "0.01", "64 mg ÷ 100 mg/ml = 0.64 ml.", "64 mg ÷ 100 mg/ml = 0.64 ml。"),),
        "Check the weight in the HIS banner: it is the one the doctor's order used.",
        "请核对系统信息栏中的体重：医生开医嘱时使用的就是这个体重。",
    ),
    Item(
        "demo-nurse-mar-09",
        "mar",
        QType.SHORTANSWER,
        MEDIUM,
        "What MAR stands for",
        "<p>The HIS screen that lists every dose due for your patients is the MAR. What does MAR "
        "stand for?</p>",
        "<p>系统中列出患者所有待执行给药的界面叫什么？（四个字）</p>",
        (
            pattern("*medication administration record*"),
            pattern("*给药记录*"),
            pattern("*给药执行*"),
        ),
        "Medication Administration Record (给药记录单): every scan and every dose is recorded "
        "there.",
        "给药记录单（MAR）：每一次扫描和给药都记录在这里。",
    ),
    Item(
        "demo-nurse-docs-01",
        "docs",
        QType.SINGLE,
        MEDIUM,
        "Correct a wrong entry",
        "<p>You entered a wrong temperature an hour ago. How do you correct it?</p>",
        "<p>一小时前您录入了错误的体温，应如何更正？</p>",
        (
            ok(
                "Use Correct (修改) with a reason; the original stays visible in the history",
                "使用“修改”功能并填写原因；原记录保留在修改历史中",
            ),
            no(
                "Delete it and enter the right value",
                "删除后重新录入",
                "Entries are never deleted.",
                "记录不能删除。",
            ),
            no("Ask IT to delete it", "请信息科删除"),
            no("Leave it; the next value will be right", "不用管，下次录入正确即可"),
        ),
        "Corrections keep both values, who changed it and why.",
        "修改会保留原值和新值，以及修改人和修改原因。",
    ),
    Item(
        "demo-nurse-docs-02",
        "docs",
        QType.SINGLE,
        EASY,
        "Admission assessment",
        "<p>The admission nursing assessment must be completed within how long of admission?</p>",
        "<p>入院护理评估应在患者入院后多长时间内完成？</p>",
        (
            ok("2 hours", "2小时"),
            no("8 hours", "8小时"),
            no("24 hours", "24小时"),
            no("Before discharge", "出院前"),
        ),
        "Falls, pressure injury, pain and nutrition scores within 2 hours; high-risk scores "
        "create care-plan items.",
        "2小时内完成跌倒、压力性损伤、疼痛和营养评估；高风险评分会自动生成护理计划项目。",
    ),
    Item(
        "demo-nurse-docs-03",
        "docs",
        QType.SINGLE,
        MEDIUM,
        "Braden score 11",
        "<p>A new patient's Braden score is 11. What does it mean?</p>",
        "<p>新入院患者的Braden评分为11分，这意味着什么？</p>",
        (
            ok(
                "High risk of pressure injury: start the prevention plan the HIS proposes",
                "压力性损伤高风险：启动系统提示的预防护理计划",
                "The lower the Braden score, the higher the risk.",
                "Braden评分越低，风险越高。",
            ),
            no("Low risk: reassess in a week", "低风险：一周后复评"),
            no(
                "High risk of falls",
                "跌倒高风险",
                "Falls use the Morse scale.",
                "跌倒风险使用Morse量表。",
            ),
        ),
        "Braden 12 or below is high risk: turning schedule, mattress, skin checks, documented.",
        "Braden评分≤12分为高风险：定时翻身、使用减压床垫、检查皮肤并记录。",
    ),
    Item(
        "demo-nurse-docs-04",
        "docs",
        QType.TRUEFALSE,
        EASY,
        "Paper during normal operation",
        "<p>While the HIS is working normally, you may document care on paper and type it in at "
        "the end of the shift.</p>",
        "<p>系统正常运行时，可以先在纸上记录护理内容，下班前再统一录入系统。</p>",
        truth(
            False,
            "Paper is for downtime only; late entries hide the timeline from colleagues.",
            "纸质记录仅用于系统停机；延后录入会让同事看不到真实的时间线。",
        ),
        "Document at the time of care; the HIS time-stamps every entry.",
        "护理操作后及时记录；系统会为每条记录打上时间戳。",
    ),
    Item(
        "demo-nurse-docs-05",
        "docs",
        QType.MULTIPLE,
        MEDIUM,
        "Downtime",
        "<p>The HIS is down (系统停机). Which of these are correct? Choose all that apply.</p>",
        "<p>系统停机时，以下哪些做法是正确的？请选出所有正确答案。</p>",
        (
            ok(
                "Use the downtime forms in the red folder",
                "使用红色文件夹中的停机应急表单",
                percent=50,
            ),
            ok(
                "Enter the paper records after recovery, marked as late entries (补记)",
                "系统恢复后录入纸质记录，并标注为补记",
                percent=50,
            ),
            no(
                "Stop all medications until the system returns",
                "在系统恢复前停止所有给药",
                percent=-100,
            ),
        ),
        "Care goes on during downtime; the record catches up after, marked as late.",
        "停机期间护理照常进行；系统恢复后补录并标注为补记。",
        mark="2",
    ),
    Item(
        "demo-nurse-vitals-01",
        "vitals",
        QType.SINGLE,
        EASY,
        "Early warning score 7",
        "<p>The early warning score is 7. What do you do?</p>",
        "<p>早期预警评分为7分，应如何处理？</p>",
        (
            no("Repeat the observations in 4 hours", "4小时后复测生命体征"),
            ok("Call the doctor now and document the call", "立即通知医生并记录通知情况"),
            no("Enter the values again to see if the score changes", "重新录入数值看评分是否变化"),
        ),
        "A score of 5 or more needs an urgent medical review.",
        "评分≥5分需要医生紧急评估。",
    ),
    Item(
        "demo-nurse-vitals-02",
        "vitals",
        QType.SINGLE,
        MEDIUM,
        "Score missing",
        "<p>You saved the observations but no early warning score appears on the chart. Why?</p>",
        "<p>保存生命体征后，体温单上没有显示早期预警评分，原因是什么？</p>",
        (
            ok(
                "One value of the full set is missing (e.g. consciousness)",
                "完整数据中缺少一项（如意识状态）",
            ),
            no("The score is only calculated at midnight", "评分只在午夜计算"),
            no("Scores are shown to doctors only", "评分只对医生显示"),
        ),
        "The score needs all six: temperature, heart rate, blood pressure, respiratory rate, "
        "SpO₂ and consciousness.",
        "评分需要完整的六项：体温、心率、血压、呼吸频率、血氧饱和度和意识状态。",
    ),
    Item(
        "demo-nurse-vitals-03",
        "vitals",
        QType.TRUEFALSE,
        EASY,
        "Red score can wait",
        "<p>A red score (5 or more) can wait until the next round if the patient says they feel "
        "fine.</p>",
        "<p>如果患者自述感觉良好，红色评分（≥5分）可以等到下次巡视再处理。</p>",
        truth(
            False,
            "A red score is an instruction: call the doctor now and record that you did.",
            "红色评分就是指令：立即通知医生并记录。",
        ),
        "Patients often feel fine shortly before they deteriorate.",
        "患者在病情恶化前往往自我感觉良好。",
    ),
    Item(
        "demo-nurse-vitals-04",
        "vitals",
        QType.SINGLE,
        MEDIUM,
        "Low oxygen saturation",
        "<p>Which SpO₂ reading do you re-check and escalate for a patient without chronic lung "
        "disease?</p>",
        "<p>对于无慢性肺病的患者，以下哪个血氧饱和度数值需要复测并上报？</p>",
        (
            ok("89 %", "89%"),
            no("95 %", "95%"),
            no("97 %", "97%"),
            no("99 %", "99%"),
        ),
        "Below 92 % scores on the early warning chart; below 90 % needs a doctor now.",
        "低于92%会在早期预警评分中计分；低于90%需立即通知医生。",
    ),
    Item(
        "demo-nurse-vitals-05",
        "vitals",
        QType.SINGLE,
        EASY,
        "Monitor values",
        "<p>The bedside monitor is connected to the HIS. What do you do with the values it "
        "sends?</p>",
        "<p>床旁监护仪已与系统对接。对监护仪传来的数据应如何处理？</p>",
        (
            ok("Check them against the patient and confirm them", "对照患者实际情况核对后确认"),
            no("Nothing: they are saved automatically as final", "无需处理，自动保存为正式记录"),
            no("Type them again by hand", "手工再录一遍"),
        ),
        "Device values wait for your confirmation: a loose probe gives a wrong reading.",
        "设备数据需护士确认后才生效：探头松脱会产生错误读数。",
    ),
    Item(
        "demo-nurse-handover-01",
        "handover",
        QType.SINGLE,
        EASY,
        "SBAR",
        "<p>What does the B in SBAR stand for?</p>",
        "<p>SBAR中的B代表什么？</p>",
        (
            ok("Background", "背景"),
            no("Blood pressure", "血压"),
            no("Bed", "床位"),
        ),
        "Situation, Background, Assessment, Recommendation.",
        "现状（S）、背景（B）、评估（A）、建议（R）。",
    ),
    Item(
        "demo-nurse-handover-02",
        "handover",
        QType.MATCHING,
        MEDIUM,
        "SBAR parts",
        "<p>Match each sentence of a handover with its SBAR part.</p>",
        "<p>请将交班内容与SBAR的各部分配对。</p>",
        (
            pair(
                "Mr Liu, bed 12: blood pressure fell to 85/50 at 14:00",
                "12床刘先生：14:00血压降至85/50",
                "Situation",
                "现状",
            ),
            pair(
                "Day 2 after bowel surgery, on metoprolol",
                "肠道手术后第2天，正在服用美托洛尔",
                "Background",
                "背景",
            ),
            pair("I think he may be bleeding", "我认为患者可能有出血", "Assessment", "评估"),
            pair(
                "Please review him within 15 minutes",
                "请在15分钟内查看患者",
                "Recommendation",
                "建议",
            ),
        ),
        "SBAR keeps a handover short and complete.",
        "SBAR让交班简洁而完整。",
        mark="2",
    ),
    Item(
        "demo-nurse-handover-03",
        "handover",
        QType.SINGLE,
        EASY,
        "Where the handover shows",
        "<p>Where does the next shift find your signed handover?</p>",
        "<p>签名后的交班记录，下一班在哪里可以看到？</p>",
        (
            ok("At the top of the patient's record in the HIS", "系统中患者记录的顶部"),
            no("In the paper handover book", "纸质交班本中"),
            no("Only in your own notes", "只在您自己的记录中"),
        ),
        "Sign handover (签名交班) publishes it to the next shift.",
        "点击“签名交班”后，下一班即可看到。",
    ),
    Item(
        "demo-nurse-handover-04",
        "handover",
        QType.MULTIPLE,
        MEDIUM,
        "Bedside handover",
        "<p>Which patients are handed over at the bedside (床旁交接)? Choose all that apply.</p>",
        "<p>哪些患者需要床旁交接？请选出所有正确答案。</p>",
        (
            ok("Critically ill patients (病危/病重)", "病危、病重患者", percent=33.33333),
            ok("Patients back from surgery today", "当日手术返回的患者", percent=33.33333),
            ok("Patients admitted during your shift", "本班新入院的患者", percent=33.33333),
            no("Only patients due for discharge tomorrow", "仅明日出院的患者", percent=-50),
        ),
        "Bedside handover lets both nurses see the patient, the lines and the drains together.",
        "床旁交接让交接双方共同查看患者、管路和引流情况。",
        mark="2",
    ),
    Item(
        "demo-nurse-essay-01",
        SCENARIOS,
        QType.ESSAY,
        HARD,
        "Write an SBAR handover",
        "<p>Write the SBAR handover for Mrs Liu Meifang, bed 12, 67 years old, day 1 after a hip "
        "replacement. At 18:00 her early warning score rose from 2 to 5 (heart rate 118, "
        "respiratory rate 24, SpO₂ 93 %). You called the doctor at 18:10; blood tests are "
        "pending. Say what you recorded in the HIS.</p>",
        "<p>请为12床刘美芳女士书写SBAR交班：67岁，髋关节置换术后第1天。18:00早期预警评分由2分升至5分"
        "（心率118次/分，呼吸24次/分，血氧93%）。您于18:10通知医生，血液检查结果待回。请说明您在系统中记录了哪些内容。</p>",
        (),
        "A good answer: S — score 5 at 18:00 with the values; B — day 1 after hip replacement, "
        "relevant history; A — possible bleeding, infection or pulmonary embolism, her current "
        "state; R — doctor called at 18:10, observations every 30 minutes, chase the blood "
        "results; in the HIS: the full set of observations, the call to the doctor, the signed "
        "handover.",
        "参考要点：S——18:00评分5分及各项数值；B——髋关节置换术后第1天及相关病史；A——可能的出血、感染或肺栓塞，"
        "目前状况；R——18:10已通知医生，每30分钟监测一次，追踪血检结果；系统中记录完整生命体征、通知医生情况并签名交班。",
        mark="4",
    ),
]


# ---------------------------------------------------------------------------------------------
# Cashiers

CASHIER = [
    Item(
        "demo-cashier-reg-01",
        "registration",
        QType.SINGLE,
        EASY,
        "No record found",
        "<p>The card reader finds no record, but the patient says they came last year. What do "
        "you do?</p>",
        "<p>读卡后没有找到患者档案，但患者说去年来过。应如何处理？</p>",
        (
            no("Create a new record straight away", "立即新建档案"),
            ok(
                "Search by name and date of birth before creating one",
                "先按姓名和出生日期查找，再决定是否新建",
                "Old records may have been created without a card.",
                "以前的档案可能是在没有卡的情况下建立的。",
            ),
        ),
        "Duplicate records split a patient's history; ask the registration lead to merge them.",
        "重复档案会使患者病史分散；发现重复请联系挂号组长合并。",
    ),
    Item(
        "demo-cashier-reg-02",
        "registration",
        QType.SINGLE,
        MEDIUM,
        "Wrong department",
        "<p>A patient registered for Cardiology but should see Gastroenterology; the consultation "
        "has not started. What do you do?</p>",
        "<p>患者挂了心内科的号，但应该看消化内科，尚未就诊。应如何处理？</p>",
        (
            ok("Cancel the registration (退号) and register again", "办理退号后重新挂号"),
            no("Tell the patient to go to Gastroenterology anyway", "让患者直接去消化内科就诊"),
            no("Change the department on the receipt by hand", "在收据上手写更改科室"),
            no("Register again without cancelling the first one", "不退号直接再挂一个号"),
        ),
        "Cancelling frees the Cardiology slot and refunds (or moves) the fee.",
        "退号会释放心内科号源，并退还（或转移）挂号费。",
    ),
    Item(
        "demo-cashier-reg-03",
        "registration",
        QType.TRUEFALSE,
        EASY,
        "Cancel after consultation",
        "<p>A registration can be cancelled after the doctor has started the consultation "
        "(接诊).</p>",
        "<p>医生接诊后仍可以办理退号。</p>",
        truth(
            False,
            "Once the doctor has started, the registration is used; the HIS blocks the "
            "cancellation.",
            "医生接诊后号源已使用，系统会阻止退号。",
        ),
        "Ask the doctor's clinic if the patient was seen by mistake.",
        "如属误接诊，请与医生诊室联系处理。",
    ),
    Item(
        "demo-cashier-reg-04",
        "registration",
        QType.SINGLE,
        EASY,
        "Credentials for an insured patient",
        "<p>What can an insured patient use to register?</p>",
        "<p>参保患者挂号时可以使用哪些凭证？</p>",
        (
            ok(
                "Social security card, or the electronic medical insurance voucher (医保电子凭证)",
                "社保卡或医保电子凭证",
            ),
            no("Only a paper insurance book", "只能使用纸质医保本"),
            no("A photo of a relative's card", "亲属社保卡的照片"),
        ),
        "Reading the card or the voucher QR code fills in the insurance status.",
        "读卡或扫描电子凭证二维码会自动带出参保信息。",
    ),
    Item(
        "demo-cashier-reg-05",
        "registration",
        QType.MULTIPLE,
        HARD,
        "Before merging records",
        "<p>Which details must match before you ask to merge two patient records? Choose all that "
        "apply.</p>",
        "<p>申请合并两份患者档案前，哪些信息必须一致？请选出所有正确答案。</p>",
        (
            ok("Name", "姓名", percent=33.33333),
            ok("Date of birth", "出生日期", percent=33.33333),
            ok("ID card number", "身份证号", percent=33.33333),
            no(
                "The same phone number is enough",
                "电话号码相同即可",
                "Family members share phone numbers.",
                "家庭成员常共用电话号码。",
                percent=-50,
            ),
        ),
        "A wrong merge mixes two people's records: check three identifiers.",
        "错误合并会把两个人的记录混在一起：必须核对三项身份信息。",
        mark="2",
    ),
    Item(
        "demo-cashier-bill-01",
        "billing",
        QType.SINGLE,
        EASY,
        "Add a forgotten drug",
        "<p>A patient asks you to add a drug the doctor forgot. What do you do?</p>",
        "<p>患者请您加收一种医生忘开的药品，应如何处理？</p>",
        (
            no("Add it at the cashier", "在收费处直接添加"),
            ok("Send the patient back to the doctor to prescribe it", "请患者回诊室由医生开具"),
        ),
        "Charges come only from signed orders; the cashier cannot add items.",
        "收费项目只能来自已签名的医嘱，收费员不能自行添加。",
    ),
    Item(
        "demo-cashier-bill-02",
        "billing",
        QType.NUMERICAL,
        EASY,
        "Change due",
        "<p>The bill is ¥186.50 and the patient pays ¥200 in cash. How much change do you give "
        "(in ¥)?</p>",
        "<p>应收金额为¥186.50，患者支付现金¥200。应找零多少元？</p>",
        (number("13.50", 0, "200 − 186.50 = 13.50.", "200 − 186.50 = 13.50。"),),
        "The HIS shows the change when you enter the amount received: count it back to the "
        "patient.",
        "输入实收金额后系统会显示找零金额：请当面点清找零。",
    ),
    Item(
        "demo-cashier-bill-03",
        "billing",
        QType.SINGLE,
        MEDIUM,
        "Declined card, money taken",
        "<p>The card terminal shows “declined”, but the patient's bank app shows the money was "
        "taken. What do you do?</p>",
        "<p>刷卡机显示“交易失败”，但患者的银行APP显示已扣款。应如何处理？</p>",
        (
            ok(
                "Do not charge again; query the transaction (查询交易) and tell the supervisor",
                "不要重复扣款；查询交易状态并报告组长",
            ),
            no("Charge the card again", "再刷一次卡"),
            no(
                "Ask for cash and tell the patient to call the bank", "让患者改付现金，自行联系银行"
            ),
        ),
        "A query shows whether the payment arrived; an unmatched debit is reversed by the bank.",
        "查询可确认款项是否到账；未匹配的扣款会由银行冲正退回。",
    ),
    Item(
        "demo-cashier-bill-04",
        "billing",
        QType.SINGLE,
        MEDIUM,
        "QR payment still unpaid",
        "<p>The patient paid by scanning the WeChat/Alipay code, but after a minute the HIS still "
        "shows “unpaid”. What do you do?</p>",
        "<p>患者已扫码（微信/支付宝）支付，但一分钟后系统仍显示“未支付”。应如何处理？</p>",
        (
            ok(
                "Query the payment status in the HIS before asking to pay again",
                "先在系统中查询支付状态，再决定是否重新支付",
            ),
            no("Ask the patient to pay again", "让患者再付一次"),
            no("Mark it paid by hand", "手工标记为已支付"),
        ),
        "Most delays are a slow notification; a query settles it without a double payment.",
        "多数是支付通知延迟；查询可避免重复收费。",
    ),
    Item(
        "demo-cashier-bill-05",
        "billing",
        QType.TRUEFALSE,
        EASY,
        "Invoice for every payment",
        "<p>Every payment taken in the HIS produces an electronic invoice (电子票据) the patient "
        "can download.</p>",
        "<p>系统中每笔收费都会生成患者可下载的电子票据。</p>",
        truth(
            True,
            "Point the patient to the QR code on the receipt.",
            "请提示患者扫描收据上的二维码下载。",
        ),
        "Paper invoices are printed only on request.",
        "纸质票据仅在患者要求时打印。",
    ),
    Item(
        "demo-cashier-refund-01",
        "refunds",
        QType.SINGLE,
        EASY,
        "Refund route",
        "<p>A patient paid by WeChat Pay and asks for the refund in cash. What do you do?</p>",
        "<p>患者用微信支付，现要求退现金，应如何处理？</p>",
        (
            no("Give cash: the amount is small", "金额不大，退现金"),
            ok("Refund to WeChat Pay, the original method", "原路退回微信支付"),
        ),
        "Refunds go back the way the money came; this keeps the drawer and the reconciliation "
        "right.",
        "退费原路退回，钱箱和对账才能保持一致。",
    ),
    Item(
        "demo-cashier-refund-02",
        "refunds",
        QType.SINGLE,
        MEDIUM,
        "Who authorises a refund",
        "<p>Who authorises a refund in the new HIS?</p>",
        "<p>在新系统中，由谁授权退费？</p>",
        (
            ok("The billing supervisor, with their own PIN", "收费组长，使用本人授权码"),
            no("Any cashier on duty", "任何当班收费员"),
            no("The patient, by signing the receipt", "患者在收据上签字即可"),
            no("The doctor who cancelled the test", "取消检查的医生"),
        ),
        "Refunds without authorisation fail the practical exam outright.",
        "未经授权退费在操作考核中直接判为不合格。",
    ),
    Item(
        "demo-cashier-refund-03",
        "refunds",
        QType.TRUEFALSE,
        MEDIUM,
        "Refund an uncancelled test",
        "<p>A test the doctor has not cancelled can be refunded if the patient no longer wants "
        "it.</p>",
        "<p>医生尚未取消的检查，患者不想做了也可以直接退费。</p>",
        truth(
            False,
            "The doctor cancels the order first; then the line becomes refundable.",
            "须先由医生取消医嘱，该项目才可退费。",
        ),
        "Cancelled first, refunded second.",
        "先取消，后退费。",
    ),
    Item(
        "demo-cashier-refund-04",
        "refunds",
        QType.SINGLE,
        MEDIUM,
        "Returned drugs",
        "<p>A patient returns unopened drugs for a refund. What must happen before you can refund "
        "them?</p>",
        "<p>患者退回未开封的药品要求退费。退费前必须完成什么步骤？</p>",
        (
            ok(
                "The pharmacy confirms the return (退药确认) in the HIS", "药房在系统中完成退药确认"
            ),
            no("You check the box and put it in the drawer", "收费员检查药盒后放入抽屉"),
            no("The patient signs a form", "患者签署一份表格"),
        ),
        "Only returned (or cancelled) items are selectable on the refund screen.",
        "退费界面只能选择已退药或已取消的项目。",
    ),
    Item(
        "demo-cashier-refund-05",
        "refunds",
        QType.SHORTANSWER,
        MEDIUM,
        "Refund rule in one word",
        "<p>Refunds are paid back to the ______ payment method. Fill in one word.</p>",
        "<p>退费应按什么原则退回？请填空：____退回。</p>",
        (
            pattern("original*"),
            pattern("*原路*"),
            pattern("*原支付*"),
        ),
        "The original method: the money goes back the way it came.",
        "原路退回：钱从哪里来，就退回到哪里。",
    ),
    Item(
        "demo-cashier-refund-06",
        "refunds",
        QType.MULTIPLE,
        MEDIUM,
        "Facts about refunds",
        "<p>Which of these are true of refunds in the new HIS? Choose all that apply.</p>",
        "<p>关于新系统中的退费，以下哪些说法正确？请选出所有正确答案。</p>",
        (
            ok("They need a supervisor's authorisation", "需要组长授权", percent=50),
            ok("They issue a red (reversing) invoice (红字票据)", "会开具红字票据", percent=50),
            no(
                "Small amounts may be paid in cash whatever the original method",
                "小额退费无论原支付方式都可退现金",
                percent=-100,
            ),
        ),
        "Authorised, to the original method, with a red invoice.",
        "经授权、原路退回、开具红字票据。",
        mark="2",
    ),
    Item(
        "demo-cashier-refund-07",
        "refunds",
        QType.SINGLE,
        MEDIUM,
        "Cash difference at settlement",
        "<p>At shift settlement (日结) the cash counted is ¥10 less than the system. Can you lock "
        "the settlement?</p>",
        "<p>日结时清点现金比系统少¥10，可以锁定日结吗？</p>",
        (
            no("Yes, small differences do not matter", "可以，小差额无所谓"),
            ok(
                "Only after recording the difference and telling the supervisor",
                "记录差额并报告组长后才能锁定",
            ),
        ),
        "Differences are recorded with an explanation; the supervisor signs them off.",
        "差额须记录并说明原因，由组长签字确认。",
    ),
    Item(
        "demo-cashier-ins-01",
        "insurance",
        QType.NUMERICAL,
        HARD,
        "Insurance fund share",
        "<p>An inpatient bill has ¥10,000 of eligible costs. The deductible (起付线) is ¥800 and "
        "the fund pays 85 % above it. How much does the fund pay (in ¥)?</p>",
        "<p>某住院患者医保范围内费用为¥10,000，起付线为¥800，起付线以上部分统筹基金支付85%。统筹基金支付多少元？</p>",
        (number(7820, 0, "(10,000 − 800) × 85 % = 7,820.", "（10,000 − 800）× 85% = 7,820。"),),
        "The HIS calculates the split from the insurance platform's answer; knowing the rule helps "
        "you explain it.",
        "系统根据医保平台返回结果计算分担金额；了解计算规则有助于向患者解释。",
        mark="2",
    ),
    Item(
        "demo-cashier-ins-02",
        "insurance",
        QType.SINGLE,
        HARD,
        "Settlement timeout",
        "<p>Insurance settlement (医保结算) fails with “timeout” from the insurance platform. What "
        "do you do?</p>",
        "<p>医保结算时医保平台返回“超时”，应如何处理？</p>",
        (
            ok(
                "Query the settlement status before retrying",
                "先查询结算状态，再决定是否重试",
                "The platform may have settled already: a blind retry can settle twice.",
                "平台可能已完成结算：盲目重试可能导致重复结算。",
            ),
            no("Settle the whole bill as self-pay", "全部按自费结算"),
            no("Retry until it works", "反复重试直到成功"),
            no("Tell the patient to come back tomorrow", "让患者明天再来"),
        ),
        "Query, then retry or reverse (冲正) as the status says.",
        "先查询，再根据状态重试或冲正。",
    ),
    Item(
        "demo-cashier-ins-03",
        "insurance",
        QType.SINGLE,
        MEDIUM,
        "What the patient pays",
        "<p>After insurance settlement, what does the patient pay at the window?</p>",
        "<p>医保结算后，患者在窗口需要支付哪部分费用？</p>",
        (
            ok("The self-pay part (个人自付和自费部分)", "个人自付和自费部分"),
            no("The whole bill, reimbursed later", "全部费用，事后报销"),
            no("Nothing", "无需支付"),
        ),
        "The fund's share is settled directly with the insurance platform.",
        "统筹基金支付部分由医院与医保平台直接结算。",
    ),
    Item(
        "demo-cashier-ins-04",
        "insurance",
        QType.MATCHING,
        MEDIUM,
        "Refund routes",
        "<p>Match each way of paying with where its refund goes.</p>",
        "<p>请将每种支付方式与其退费去向配对。</p>",
        (
            pair("WeChat Pay", "微信支付", "Back to WeChat Pay", "原路退回微信"),
            pair("Bank card", "银行卡", "Back to the same card", "退回原银行卡"),
            pair("Cash", "现金", "Cash from the drawer", "从钱箱退现金"),
            pair(
                "Insurance fund share",
                "医保统筹支付部分",
                "Reversed with the insurance platform (冲正)",
                "通过医保平台冲正",
            ),
        ),
        "Every refund follows its payment.",
        "每笔退费都按原支付方式退回。",
        mark="2",
    ),
    Item(
        "demo-cashier-ins-05",
        "insurance",
        QType.TRUEFALSE,
        EASY,
        "Read the credential first",
        "<p>For an insured outpatient you read the insurance credential (card or electronic "
        "voucher) before settling the bill, not after.</p>",
        "<p>参保门诊患者应在结算前（而不是结算后）读取医保凭证（社保卡或电子凭证）。</p>",
        truth(
            True,
            "A bill settled as self-pay cannot simply be switched to insurance later.",
            "按自费结算后，不能简单地改为医保结算。",
        ),
        "Read the credential, check the insurance type, then settle.",
        "先读取凭证、核对参保类型，再结算。",
    ),
    Item(
        "demo-cashier-essay-01",
        SCENARIOS,
        QType.ESSAY,
        HARD,
        "Cash refund demanded",
        "<p>A patient paid ¥320 by WeChat Pay for a CT scan that the doctor has since cancelled. "
        "He is angry and insists on a cash refund now because he does not trust mobile payments. "
        "Explain what you do, step by step in the HIS, and what you tell him.</p>",
        "<p>一位患者用微信支付了¥320的CT检查费，医生随后取消了该检查。患者情绪激动，因不信任移动支付，坚持要求立即退现金。"
        "请逐步说明您在系统中的操作，以及您如何向患者解释。</p>",
        (),
        "A good answer: stays calm and explains the rule; checks the CT is cancelled and shows as "
        "refundable; asks the supervisor to authorise; refunds to WeChat Pay (the original "
        "method), never in cash; shows him the refund record and when the money arrives; issues "
        "the red invoice.",
        "参考要点：保持冷静并解释规定；确认CT已取消并显示为可退费；请组长授权；原路退回微信支付，不能退现金；"
        "向患者展示退费记录和到账时间；开具红字票据。",
        mark="4",
    ),
]


# ---------------------------------------------------------------------------------------------
# Administrative staff

ADMIN = [
    Item(
        "demo-admin-acct-01",
        "accounts",
        QType.SINGLE,
        EASY,
        "Not on the roster",
        "<p>A new nurse starts tomorrow but is not on the HR roster yet. What do you do?</p>",
        "<p>一名新护士明天入职，但尚未出现在人事名单中。应如何处理？</p>",
        (
            no("Create the account by hand now", "现在手工创建账号"),
            ok(
                "Ask HR to add her to the roster, then create the account",
                "请人事部门将其加入名单后再创建账号",
            ),
        ),
        "Accounts without a roster record are not deactivated when the person leaves.",
        "没有人事记录的账号在员工离职时不会被自动停用。",
    ),
    Item(
        "demo-admin-acct-02",
        "accounts",
        QType.SINGLE,
        EASY,
        "Leaver",
        "<p>A doctor leaves the hospital on Friday. When is the account disabled?</p>",
        "<p>一名医生周五离职，账号应何时停用？</p>",
        (
            ok("At the end of the last working day", "最后一个工作日结束时"),
            no("Three months later, in case they come back", "三个月后，以防返聘"),
            no("Deleted immediately on Friday morning", "周五上午立即删除"),
            no("When the doctor asks", "医生提出时"),
        ),
        "Disable on the last day: an open account of a leaver is a way in.",
        "在最后一个工作日停用：离职人员的账号若仍可用，就是一个安全漏洞。",
    ),
    Item(
        "demo-admin-acct-03",
        "accounts",
        QType.TRUEFALSE,
        EASY,
        "Shared account",
        "<p>Two night-shift cashiers may share one account if they work at the same window.</p>",
        "<p>两名夜班收费员如果在同一窗口工作，可以共用一个账号。</p>",
        truth(
            False,
            "Every action must be traceable to one person.",
            "每项操作都必须能追溯到具体个人。",
        ),
        "One person, one account.",
        "一人一号。",
    ),
    Item(
        "demo-admin-acct-04",
        "accounts",
        QType.SINGLE,
        EASY,
        "Disable, don't delete",
        "<p>Why are accounts disabled rather than deleted?</p>",
        "<p>为什么账号应停用而不是删除？</p>",
        (
            no("Deleting is slower", "删除操作更慢"),
            ok("The audit trail must keep who did what", "审计记录必须保留操作人信息"),
        ),
        "Records signed by the person must still name them.",
        "该员工签署过的记录必须仍能显示其姓名。",
    ),
    Item(
        "demo-admin-acct-05",
        "accounts",
        QType.SINGLE,
        MEDIUM,
        "Locum doctor",
        "<p>A locum doctor works in the hospital for two weeks. How do you give access?</p>",
        "<p>一名临时医生将在医院工作两周。应如何开通系统权限？</p>",
        (
            ok(
                "A personal account with the doctor role and an end date",
                "开通个人账号，授予医生角色并设置到期日",
            ),
            no("The account of a doctor on leave", "使用休假医生的账号"),
            no("A shared “locum” account", "使用共用的“临时医生”账号"),
            no("An administrator account, to save time", "开通管理员账号以节省时间"),
        ),
        "The end date disables the account on time even if nobody remembers.",
        "设置到期日后，即使无人记得，账号也会按时停用。",
    ),
    Item(
        "demo-admin-acct-06",
        "accounts",
        QType.SINGLE,
        EASY,
        "Where role and department come from",
        "<p>Where does a new account get its job role and department from?</p>",
        "<p>新账号的岗位和科室信息来自哪里？</p>",
        (
            ok("The HR roster (人事名单)", "人事名单"),
            no("Whatever the user asks for", "用户自己申请的内容"),
            no("The previous holder of the same desk", "同一工位的前任"),
        ),
        "The roster is the single source; a transfer in the roster moves the account's access.",
        "人事名单是唯一来源；名单中调岗后，账号权限随之调整。",
    ),
    Item(
        "demo-admin-perm-01",
        "permissions",
        QType.SINGLE,
        MEDIUM,
        "Asking for a manager role",
        "<p>A ward nurse asks for the nurse-manager role to see the rota. What do you do?</p>",
        "<p>一名病房护士申请护士长角色以查看排班表，应如何处理？</p>",
        (
            no("Grant it: she is a nurse", "同意：她是护士"),
            ok(
                "Refuse and point her to the rota view her role already has",
                "拒绝，并告诉她现有角色已可查看排班",
            ),
        ),
        "The manager role allows staff changes and reports she does not need.",
        "护士长角色包含她不需要的人员调整和报表权限。",
    ),
    Item(
        "demo-admin-perm-02",
        "permissions",
        QType.SHORTANSWER,
        EASY,
        "Least privilege",
        "<p>Giving each account only the permissions its job needs is the principle of least "
        "______. Fill in one word.</p>",
        "<p>每个账号只授予其工作所需的权限，这称为什么原则？</p>",
        (
            pattern("privilege*"),
            pattern("*最小权限*"),
            pattern("*最小授权*"),
        ),
        "Least privilege (最小权限原则): fewer rights, fewer ways for mistakes and misuse.",
        "最小权限原则：权限越少，出错和滥用的可能越小。",
    ),
    Item(
        "demo-admin-perm-03",
        "permissions",
        QType.MULTIPLE,
        MEDIUM,
        "Requests to refuse",
        "<p>Which of these requests do you refuse? Choose all that apply.</p>",
        "<p>以下哪些申请应当拒绝？请选出所有正确答案。</p>",
        (
            ok(
                "A cashier asks for the doctor role to print lab results for patients",
                "收费员申请医生角色，以便为患者打印检验报告",
                percent=50,
            ),
            ok(
                "An IT colleague asks for permanent superuser rights to save time",
                "信息科同事为图方便申请永久超级管理员权限",
                percent=50,
            ),
            no(
                "A nurse moving to ICU asks for ICU access, approved by the head nurse",
                "调往ICU的护士申请ICU权限，已获护士长批准",
                percent=-50,
            ),
            no(
                "A new pharmacist on the roster needs the pharmacist role",
                "名单中的新药师需要药师角色",
                percent=-50,
            ),
        ),
        "Grant what the job needs, with approval; refuse rights beyond the job.",
        "按工作需要并经审批授权；拒绝超出岗位需要的权限。",
        mark="2",
    ),
    Item(
        "demo-admin-perm-04",
        "permissions",
        QType.MATCHING,
        MEDIUM,
        "Roles and permissions",
        "<p>Match each role with a permission it needs.</p>",
        "<p>请将每个角色与其所需的权限配对。</p>",
        (
            pair("Ward nurse", "病房护士", "Record doses in the MAR", "在给药记录中执行给药"),
            pair("Cashier", "收费员", "Take payments", "收取费用"),
            pair("Billing supervisor", "收费组长", "Authorise refunds", "授权退费"),
            pair("Outpatient doctor", "门诊医生", "Sign prescriptions", "签署处方"),
            pair("", "", "Change any user's role", "修改任何用户的角色"),
        ),
        "No clinical or billing role needs to change other users' roles.",
        "任何临床或收费角色都不需要修改其他用户角色的权限。",
        mark="2",
    ),
    Item(
        "demo-admin-perm-05",
        "permissions",
        QType.SINGLE,
        MEDIUM,
        "Transfer",
        "<p>A nurse moves from Emergency to Cardiology. What happens to her permissions?</p>",
        "<p>一名护士从急诊科调到心内科，她的权限应如何处理？</p>",
        (
            ok(
                "HR changes her department in the roster; Emergency access goes, Cardiology access "
                "comes",
                "人事在名单中变更科室；撤销急诊权限，授予心内科权限",
            ),
            no(
                "Add Cardiology and keep Emergency, in case she helps out",
                "增加心内科权限并保留急诊权限，以备支援",
            ),
            no("Create a second account for Cardiology", "为心内科新建第二个账号"),
        ),
        "Access follows the current job; old access is removed on the day of transfer.",
        "权限跟随当前岗位；调岗当天撤销原权限。",
    ),
    Item(
        "demo-admin-perm-06",
        "permissions",
        QType.TRUEFALSE,
        EASY,
        "Approval of permission changes",
        "<p>A permission change is approved by the person's department head before IT applies "
        "it.</p>",
        "<p>权限变更须经本人所在科室负责人批准后，信息科才能执行。</p>",
        truth(
            True,
            "The head knows what the job needs; the approval is kept with the change.",
            "科室负责人了解岗位需要；审批记录与变更一并保存。",
        ),
        "IT applies approved changes; it does not decide them.",
        "信息科执行已审批的变更，但不决定变更。",
    ),
    Item(
        "demo-admin-pwd-01",
        "passwords",
        QType.SINGLE,
        EASY,
        "A valid password",
        "<p>The policy asks for at least 8 characters with three of: upper case, lower case, "
        "digits, symbols. Which password meets it?</p>",
        "<p>密码策略要求至少8位，且包含大写字母、小写字母、数字、符号中的三类。以下哪个密码符合要求？</p>",
        (
            ok("Ward7#night", "Ward7#night"),
            no("12345678", "12345678", "Digits only.", "只有数字。"),
            no(
                "password",
                "password",
                "Lower case only, and the most guessed password.",
                "只有小写字母，且是最常被猜中的密码。",
            ),
            no(
                "Liu1988",
                "Liu1988",
                "Seven characters, and a name with a birth year.",
                "只有7位，且是姓名加出生年份。",
            ),
        ),
        "Long and mixed beats short and clever; never a name or a birthday.",
        "长且混合的密码更安全；不要使用姓名或生日。",
    ),
    Item(
        "demo-admin-pwd-02",
        "passwords",
        QType.SINGLE,
        MEDIUM,
        "Forgotten password",
        "<p>A user phones: “I forgot my password, please tell me what it is.” What do you do?</p>",
        "<p>一名用户来电：“我忘记密码了，请告诉我密码是什么。”应如何处理？</p>",
        (
            ok(
                "Verify identity, then set a one-time password that must be changed at first "
                "sign-in",
                "核实身份后，设置首次登录必须修改的一次性密码",
            ),
            no("Read it from the database", "从数据库中查出来告诉他"),
            no("Reset it to 123456", "重置为123456"),
            no("Email it to their personal address", "发送到其个人邮箱"),
        ),
        "Nobody can read a password, not even IT; a reset is the only way.",
        "任何人（包括信息科）都无法查看密码，只能重置。",
    ),
    Item(
        "demo-admin-pwd-03",
        "passwords",
        QType.NUMERICAL,
        MEDIUM,
        "Lockout",
        "<p>The HIS locks an account for 30 minutes after 5 failed sign-ins. A user was locked at "
        "08:40. At how many minutes past 9 o'clock can they try again?</p>",
        "<p>系统在连续5次登录失败后锁定账号30分钟。某用户在08:40被锁定，他在9点过几分可以再次尝试登录？</p>",
        (number(10, 0, "08:40 + 30 minutes = 09:10.", "08:40 + 30分钟 = 09:10。"),),
        "A user who cannot wait can have the lock lifted after identity is verified.",
        "如用户急需登录，核实身份后可由管理员解锁。",
    ),
    Item(
        "demo-admin-pwd-04",
        "passwords",
        QType.TRUEFALSE,
        EASY,
        "Asking for a password",
        "<p>IT staff may ask a user for their password to fix a problem with their account.</p>",
        "<p>信息科人员为解决账号问题，可以向用户索要密码。</p>",
        truth(
            False,
            "Nobody ever asks for a password; a caller who does is a phishing attempt.",
            "任何人都不应索要密码；索要密码的来电很可能是钓鱼诈骗。",
        ),
        "Administrators do what they need with their own account and rights.",
        "管理员应使用自己的账号和权限完成工作。",
    ),
    Item(
        "demo-admin-pwd-05",
        "passwords",
        QType.MULTIPLE,
        MEDIUM,
        "Password rules",
        "<p>Which of these are rules of the hospital's HIS password policy? Choose all that "
        "apply.</p>",
        "<p>以下哪些是医院HIS密码策略的规定？请选出所有正确答案。</p>",
        (
            ok("At least 8 characters", "至少8位", percent=25),
            ok("Three of four kinds of character", "包含四类字符中的三类", percent=25),
            ok("Changed every 90 days", "每90天更换一次", percent=25),
            ok("Not one of the last 5 passwords", "不得与最近5次密码相同", percent=25),
            no("Written on a label on the workstation", "写在工作站的标签上", percent=-100),
        ),
        "A password on a label is no password at all.",
        "贴在标签上的密码等于没有密码。",
        mark="2",
    ),
    Item(
        "demo-admin-audit-01",
        "audit",
        QType.SINGLE,
        HARD,
        "Curious look at a VIP record",
        "<p>A well-known person is admitted. The audit report shows a cashier opened her clinical "
        "notes. What do you do?</p>",
        "<p>一位知名人士入院。审计报表显示有一名收费员查看了她的病历。应如何处理？</p>",
        (
            ok(
                "Keep the log entry and report it to the privacy officer as the procedure says",
                "保留日志记录，并按流程报告隐私保护负责人",
            ),
            no("Confront the cashier at the window", "到窗口当面质问收费员"),
            no("Delete the log entry to protect the patient", "删除该日志以保护患者"),
            no("Nothing: cashiers may open any record", "不处理：收费员可以查看任何记录"),
        ),
        "Access without a care or billing reason is a privacy breach; the log is the evidence.",
        "无诊疗或收费需要的访问属于侵犯隐私；日志就是证据。",
    ),
    Item(
        "demo-admin-audit-02",
        "audit",
        QType.SINGLE,
        EASY,
        "Editing the audit log",
        "<p>Can an administrator edit or delete entries in the audit log?</p>",
        "<p>管理员能否修改或删除审计日志中的记录？</p>",
        (
            ok(
                "No: the log is append-only and any change would be detected",
                "不能：日志只能追加，任何改动都会被发现",
            ),
            no("Yes, with the superuser role", "可以，使用超级管理员角色"),
            no("Yes, after 90 days", "可以，90天后"),
        ),
        "The entries are chained: removing one breaks the chain.",
        "日志记录相互链接：删除任一条都会破坏链条。",
    ),
    Item(
        "demo-admin-audit-03",
        "audit",
        QType.SINGLE,
        EASY,
        "What the audit log answers",
        "<p>Which question does the audit log answer?</p>",
        "<p>审计日志能回答哪个问题？</p>",
        (
            ok("Who did what to which record, and when", "谁在何时对哪条记录做了什么"),
            no("How fast the network was", "网络速度有多快"),
            no("Which patients will be admitted tomorrow", "明天哪些患者入院"),
        ),
        "Every sign-in, view and change is recorded with the account and the time.",
        "每次登录、查看和修改都会记录账号和时间。",
    ),
    Item(
        "demo-admin-audit-04",
        "audit",
        QType.TRUEFALSE,
        MEDIUM,
        "Regular review",
        "<p>Access to the records of well-known patients and staff is reviewed regularly, not only "
        "after a complaint.</p>",
        "<p>对知名人士和本院员工病历的访问应定期审查，而不只是在投诉后才查。</p>",
        truth(
            True,
            "Regular review finds misuse early and deters it.",
            "定期审查能尽早发现并震慑违规行为。",
        ),
        "The review is scheduled monthly and its result recorded.",
        "每月定期审查并记录结果。",
    ),
    Item(
        "demo-admin-audit-05",
        "audit",
        QType.SINGLE,
        MEDIUM,
        "Accounts without a roster record",
        "<p>The monthly check lists an active account with no matching roster record. What do you "
        "do first?</p>",
        "<p>每月核查发现一个在用账号在人事名单中没有对应记录。首先应做什么？</p>",
        (
            ok(
                "Ask HR whether the person still works here, and disable it if not",
                "向人事确认此人是否仍在职，如已离职则停用",
            ),
            no("Delete it at once", "立即删除"),
            no("Ignore it: it is probably a test account", "忽略：可能是测试账号"),
        ),
        "Every active account belongs to a person on the roster.",
        "每个在用账号都应对应名单中的一名员工。",
    ),
    Item(
        "demo-admin-essay-01",
        SCENARIOS,
        QType.ESSAY,
        HARD,
        "Borrowing an account",
        "<p>A department head asks you to let a temporary worker use the account of a nurse on "
        "maternity leave until the worker's own account is ready next week. Write your reply and "
        "explain what you do instead.</p>",
        "<p>一位科室主任请您允许一名临时工使用一位休产假护士的账号，直到临时工自己的账号下周开通。"
        "请写出您的答复，并说明您会怎么做。</p>",
        (),
        "A good answer: refuses politely, because every action would be recorded as the nurse's "
        "and the audit trail would be false; asks HR to put the worker on the roster today; "
        "creates a personal account with only the role needed and an end date; offers a "
        "supervised workaround until then; records the request.",
        "参考要点：礼貌拒绝，因为所有操作都会记在休假护士名下，审计记录将失真；请人事当天将临时工录入名单；"
        "为其开通仅含所需角色并设置到期日的个人账号；在此之前提供有人监督的替代方案；记录此次申请。",
        mark="4",
    ),
]

QUESTIONS = {"doctor": DOCTOR, "nurse": NURSE, "cashier": CASHIER, "admin": ADMIN}


# ---------------------------------------------------------------------------------------------
# Exams: one per role, some questions fixed, the rest drawn from the topic categories


@dataclass(frozen=True)
class ExamSpec:
    role: str
    title: str
    title_zh: str
    minutes: int
    fixed: tuple[str, ...]  # question idnumbers
    draws: tuple[tuple[str, int], ...]  # (topic, how many)


INTRO = (
    "<p>This exam checks what you need on the day your department goes live on the new HIS. "
    "Pass mark 80 %. You have 3 attempts, at least an hour apart. Your answers are saved as you "
    "go; if the connection drops, keep answering and they are sent when it is back. The essay "
    "is marked by your trainer.</p>"
)
INTRO_ZH = (
    "<p>本考试检验您在科室上线新HIS当天需要掌握的内容。及格线80%。共3次机会，两次之间至少间隔1小时。"
    "答案会自动保存；网络中断时可继续作答，恢复连接后会自动提交。论述题由培训老师评分。</p>"
)

EXAMS = [
    ExamSpec(
        "doctor",
        "Doctor HIS knowledge exam",
        "医生HIS知识考试",
        30,
        ("demo-doctor-allergy-06", "demo-doctor-rx-04", "demo-doctor-essay-01"),
        (("orders", 3), ("prescribing", 2), ("allergy", 2), ("discharge", 3)),
    ),
    ExamSpec(
        "nurse",
        "Nurse HIS knowledge exam",
        "护士HIS知识考试",
        30,
        ("demo-nurse-mar-01", "demo-nurse-handover-02", "demo-nurse-mar-07", "demo-nurse-essay-01"),
        (("mar", 3), ("docs", 2), ("vitals", 2), ("handover", 2)),
    ),
    ExamSpec(
        "cashier",
        "Cashier HIS knowledge exam",
        "收费员HIS知识考试",
        25,
        ("demo-cashier-bill-02", "demo-cashier-ins-04", "demo-cashier-essay-01"),
        (("registration", 2), ("billing", 2), ("refunds", 3), ("insurance", 2)),
    ),
    ExamSpec(
        "admin",
        "Administrative staff HIS knowledge exam",
        "行政人员HIS知识考试",
        25,
        ("demo-admin-perm-02", "demo-admin-perm-04", "demo-admin-essay-01"),
        (("accounts", 2), ("permissions", 2), ("passwords", 3), ("audit", 2)),
    ),
]

# What the demo's learners wrote in the essay (one is picked per attempt).
ESSAY_ANSWERS = {
    "doctor": [
        "先考虑换用无相互作用的抗生素，如头孢类。如必须使用克拉霉素，在系统中填写忽略理由，"
        "开具INR监测，必要时减少华法林剂量，并通知护士和药师，在病程记录中写明。",
        "I would check if another antibiotic works, otherwise override with the reason "
        "'no alternative, INR monitoring ordered', order INR for tomorrow and tell the nurse.",
    ],
    "nurse": [
        "S：12床刘美芳，18:00早期预警评分5分，心率118，呼吸24，血氧93%。B：髋关节置换术后第1天。"
        "A：可能出血或感染。R：18:10已通知医生，每30分钟监测，追踪血检结果。系统中已录入生命体征并签名交班。",
        "S: Mrs Liu bed 12, score 5 at 18:00. B: day 1 after hip replacement. A: worried about "
        "bleeding. R: doctor called 18:10, obs every 30 min, bloods pending. Recorded in the HIS.",
    ],
    "cashier": [
        "先安抚患者，解释退费必须原路退回。核实CT已取消并显示可退费，请组长授权后退回微信支付，"
        "把退费记录给患者看并告知到账时间，开具红字票据。",
        "I explain the refund goes back to WeChat Pay. I check the CT is cancelled, ask the "
        "supervisor to authorise, refund to WeChat and print the red invoice for him.",
    ],
    "admin": [
        "礼貌拒绝：使用他人账号会让所有操作记在休假护士名下。请人事今天把临时工加入名单，"
        "我为其开通只有所需角色、设置到期日的个人账号。",
        "I say no, because the audit log would show the nurse's name. I ask HR to add the worker "
        "to the roster and create a personal account with an end date.",
    ],
}
