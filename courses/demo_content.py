"""Demo courses, a manual and a video tutorial about the new HIS, for every role.

`build_courses()` is idempotent: a page, image or document that already exists (found by its
slug or title) is left as it is, so a trainer's edits to the demo survive a second run. The
screenshots of the (fake) HIS are drawn with Pillow when first needed; the short tutorial video
is a committed file (courses/demo_media/), so building the demo needs no video tools.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction

from content.setup import site_tree_ensure
from portal.org.models import JobRole

MEDIA_DIR = Path(__file__).resolve().parent / "demo_media"
TRAINER_EMAIL = "trainer@readyline.example"
COLLECTION_NAME = "Course media (demo)"
ALL_ROLES = ("doctor", "nurse", "cashier", "admin")

# --------------------------------------------------------------------------------------------
# Screenshots of the fake HIS
# --------------------------------------------------------------------------------------------

_CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]


@lru_cache
def _font_path(bold=False) -> str | None:
    candidates = [p for p in _CJK_FONTS if Path(p).exists()]
    if bold:
        candidates = [p for p in candidates if "Bold" in p] + candidates
    return candidates[0] if candidates else None


@lru_cache
def _font(size: int, bold=False):
    path = _font_path(bold)
    if path is None:
        return ImageFont.load_default(size=size)
    # Index 2 of the Noto CJK collection is Simplified Chinese; other files have one face.
    try:
        return ImageFont.truetype(path, size, index=2 if path.endswith(".ttc") else 0)
    except OSError:
        return ImageFont.truetype(path, size)


def T(en: str, zh: str) -> str:
    """A bilingual label on a fake screen (English only where no Chinese font is installed)."""
    return f"{en} {zh}" if _font_path() else en


@dataclass
class Patient:
    name: str
    name_zh: str
    sex_age: str
    number: str
    allergy: str = ""  # empty: none known
    bed: str = ""

    def banner(self) -> str:
        parts = [f"{self.name} {self.name_zh}" if _font_path() else self.name, self.sex_age]
        parts.append(self.number)
        if self.bed:
            parts.append(self.bed)
        return "  ·  ".join(parts)


OUTPATIENT = Patient("WANG Jianguo", "王建国", "M · 58 y", "OP 1002 3381", "Penicillin 青霉素")
INPATIENT = Patient("LIU Meifang", "刘美芳", "F · 67 y", "IP 2024 0815", "", "Bed 12 · 12床")
CASH_PATIENT = Patient("ZHANG Wei", "张伟", "M · 34 y", "OP 1002 5120")

MODULES = [
    ("worklist", "Work list", "工作列表"),
    ("patients", "Patients", "患者"),
    ("clinic", "Outpatient clinic", "门诊"),
    ("orders", "Inpatient orders", "住院医嘱"),
    ("mar", "Medication (MAR)", "给药"),
    ("nursing", "Nursing records", "护理记录"),
    ("registration", "Registration", "挂号"),
    ("billing", "Billing", "收费"),
    ("users", "Users & roles", "用户权限"),
    ("reports", "Reports", "报表"),
]


@dataclass
class Screen:
    """One fake HIS screen. `highlight` names the field or button the step is about."""

    key: str
    module: str
    heading: str
    patient: Patient | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)  # first row: the header
    buttons: list[str] = field(default_factory=list)
    highlight: str = ""
    message: tuple[str, str] | None = None  # (ok | warn | error, text)
    dialog: tuple[str, str, list[str]] | None = None  # (title, text, buttons)


W, H = 960, 600
NAV_W = 176
ORANGE = "#e8590c"
_COLOURS = {
    "ok": ("#dcfae6", "#067647"),
    "warn": ("#fef0c7", "#93370d"),
    "error": ("#fee4e2", "#b42318"),
}


def screen_png(screen: Screen) -> bytes:
    image = PILImage.new("RGB", (W, H), "#f4f6f9")
    draw = ImageDraw.Draw(image)
    targets: dict[str, tuple[int, int, int, int]] = {}
    _top_bar(draw, screen, targets)
    _nav(draw, screen)
    y = 58
    if screen.patient:
        y = _banner(draw, screen.patient, y)
    draw.text((NAV_W + 18, y), screen.heading, font=_font(20, bold=True), fill="#1d2733")
    y += 40
    y = _fields(draw, screen.fields, y, targets)
    y = _table(draw, screen.table, y, targets)
    y = _buttons(draw, screen.buttons, y, targets)
    if screen.message:
        y = _message(draw, screen.message, y)
    if screen.dialog:
        image = _dialog(image, screen.dialog, targets)
    # Crop to the content (the navigation needs about 420 px, a dialog 440).
    image = image.crop((0, 0, W, max(y + 24, 440 if screen.dialog else 420)))
    draw = ImageDraw.Draw(image)
    if screen.highlight in targets:
        x0, y0, x1, y1 = targets[screen.highlight]
        draw.rounded_rectangle([x0 - 5, y0 - 5, x1 + 5, y1 + 5], 6, outline=ORANGE, width=4)
    out = BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()


def _top_bar(draw, screen, targets):
    draw.rectangle([0, 0, W, 44], fill="#1f4e79")
    draw.text((16, 10), T("New HIS", "新HIS"), font=_font(18, bold=True), fill="white")
    module = next((m for m in MODULES if m[0] == screen.module), MODULES[0])
    draw.text((NAV_W + 18, 13), T(module[1], module[2]), font=_font(15), fill="#cfe3f5")
    lock = [W - 96, 9, W - 14, 35]
    draw.rounded_rectangle(lock, 4, outline="#cfe3f5", width=1)
    draw.text((lock[0] + 12, 13), T("Lock", "锁屏"), font=_font(13), fill="white")
    targets["Lock"] = tuple(lock)
    draw.text((W - 300, 13), "ZHOU W. · 08:42", font=_font(13), fill="#cfe3f5")


def _nav(draw, screen):
    draw.rectangle([0, 44, NAV_W, H], fill="#e6ebf1")
    y = 58
    for key, en, zh in MODULES:
        if key == screen.module:
            draw.rectangle([0, y - 6, NAV_W, y + 22], fill="#c9d8e8")
            draw.rectangle([0, y - 6, 4, y + 22], fill="#1f4e79")
        draw.text((14, y), T(en, zh), font=_font(13), fill="#1d2733")
        y += 34


def _banner(draw, patient, y):
    box = [NAV_W + 14, y, W - 14, y + 44]
    draw.rounded_rectangle(box, 6, fill="white", outline="#c3ccd5")
    draw.text((box[0] + 12, y + 12), patient.banner(), font=_font(15, bold=True), fill="#1d2733")
    if patient.allergy:
        label, fill, ink = T("Allergy", "过敏") + ": " + patient.allergy, "#fee4e2", "#b42318"
    else:
        label, fill, ink = T("No known allergies", "无已知过敏"), "#dcfae6", "#067647"
    width = draw.textlength(label, font=_font(13)) + 20
    pill = [box[2] - width - 10, y + 10, box[2] - 10, y + 34]
    draw.rounded_rectangle(pill, 10, fill=fill)
    draw.text((pill[0] + 10, y + 13), label, font=_font(13), fill=ink)
    return y + 58


def _fields(draw, fields, y, targets):
    column_w = (W - NAV_W - 46) // 2
    for index, (label, value) in enumerate(fields):
        x = NAV_W + 18 + (index % 2) * (column_w + 12)
        row_y = y + (index // 2) * 58
        draw.text((x, row_y), label, font=_font(12), fill="#5d6b7a")
        box = [x, row_y + 18, x + column_w, row_y + 46]
        draw.rectangle(box, fill="white", outline="#b8c2cc")
        draw.text((x + 8, row_y + 23), value, font=_font(14), fill="#1d2733")
        targets[label] = tuple(box)
    return y + ((len(fields) + 1) // 2) * 58 + (6 if fields else 0)


def _table(draw, rows, y, targets):
    if not rows:
        return y
    x0, x1 = NAV_W + 18, W - 18
    width = (x1 - x0) / len(rows[0])
    for r, row in enumerate(rows):
        top = y + r * 30
        fill = "#dde5ee" if r == 0 else ("white" if r % 2 else "#f8fafc")
        draw.rectangle([x0, top, x1, top + 30], fill=fill, outline="#d0d8e0")
        for c, cell in enumerate(row):
            font = _font(13, bold=r == 0)
            colour = "#b42318" if cell.startswith("!") else "#1d2733"
            draw.text((x0 + 8 + c * width, top + 7), cell.lstrip("!"), font=font, fill=colour)
        targets[f"row:{r}"] = (x0, top, x1, top + 30)
    return y + len(rows) * 30 + 14


def _buttons(draw, buttons, y, targets):
    x = NAV_W + 18
    for index, label in enumerate(buttons):
        width = draw.textlength(label, font=_font(14, bold=True)) + 30
        box = [x, y, x + width, y + 34]
        if index == 0:
            draw.rounded_rectangle(box, 5, fill="#1f4e79")
            ink = "white"
        else:
            draw.rounded_rectangle(box, 5, fill="white", outline="#8a99a8")
            ink = "#1d2733"
        draw.text((x + 15, y + 8), label, font=_font(14, bold=True), fill=ink)
        targets[label] = tuple(box)
        x += width + 12
    return y + (50 if buttons else 0)


def _message(draw, message, y):
    kind, text = message
    fill, ink = _COLOURS[kind]
    box = [NAV_W + 18, y, W - 18, y + 38]
    draw.rounded_rectangle(box, 6, fill=fill)
    draw.text((box[0] + 14, y + 10), text, font=_font(14, bold=True), fill=ink)
    return y + 38


def _dialog(image, dialog, targets):
    title, text, buttons = dialog
    overlay = PILImage.new("RGBA", image.size, (20, 30, 40, 110))
    image = PILImage.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    draw = ImageDraw.Draw(image)
    box = [W // 2 - 250, 170, W // 2 + 250, 400]
    draw.rounded_rectangle(box, 10, fill="white", outline="#b42318", width=3)
    draw.rectangle([box[0] + 3, box[1] + 3, box[2] - 3, box[1] + 46], fill="#fee4e2")
    draw.text((box[0] + 18, box[1] + 12), title, font=_font(17, bold=True), fill="#b42318")
    y = box[1] + 62
    for line in text.split("\n"):
        draw.text((box[0] + 18, y), line, font=_font(14), fill="#1d2733")
        y += 24
    x = box[0] + 18
    for index, label in enumerate(buttons):
        width = draw.textlength(label, font=_font(14, bold=True)) + 30
        button = [x, box[3] - 54, x + width, box[3] - 20]
        if index == 0:
            draw.rounded_rectangle(button, 5, fill="#b42318")
            ink = "white"
        else:
            draw.rounded_rectangle(button, 5, fill="white", outline="#8a99a8")
            ink = "#1d2733"
        draw.text((x + 15, button[1] + 8), label, font=_font(14, bold=True), fill=ink)
        targets[label] = tuple(button)
        x += width + 12
    return image


def quick_reference_pdf() -> bytes:
    """A one-page quick-reference card (PDF, drawn with Pillow)."""
    page = PILImage.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 0, 1240, 150], fill="#0b6e69")
    draw.text((70, 40), "Barcode medication administration", font=_font(48, True), fill="white")
    lines = [
        ("Before every dose", True),
        ("1. Open the MAR on the PDA and select the due dose.", False),
        ("2. Scan the patient's wristband. The banner must turn green.", False),
        ("3. Scan the medication barcode. Check drug, dose, route and time.", False),
        ("4. Give the medication, then tap Administered.", False),
        ("", False),
        ("Stop and call the charge nurse when", True),
        ("- the PDA shows a red wrong-patient alert,", False),
        ("- the wristband is missing or cannot be scanned,", False),
        ("- the drug on the label differs from the order.", False),
        ("", False),
        ("Never scan a wristband that is not on the patient.", True),
        ("Never type the barcode number instead of scanning it.", True),
    ]
    y = 230
    for text, bold in lines:
        draw.text(
            (70, y), text, font=_font(34, bold), fill="#b42318" if "Never" in text else "#1d2733"
        )
        y += 70
    out = BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# The content, in a compact form (resolved into StreamField data by the builder below)
# --------------------------------------------------------------------------------------------


def step(instruction: str, screen: Screen, expected: str) -> dict:
    return {"instruction": instruction, "screen": screen, "expected": expected}


def procedure(title: str, *steps: dict) -> tuple:
    return ("procedure", {"title": title, "steps": list(steps)})


def check(question: str, options: list[tuple[str, bool]], explanation: str) -> tuple:
    return (
        "knowledge_check",
        {
            "question": question,
            "options": [{"text": text, "correct": correct} for text, correct in options],
            "explanation": explanation,
        },
    )


def tip(html: str) -> tuple:
    return ("callout", {"kind": "tip", "text": html})


def warning(html: str) -> tuple:
    return ("callout", {"kind": "warning", "text": html})


def heading(text: str) -> tuple:
    return ("heading", text)


def text(html: str) -> tuple:
    return ("text", html)


def screenshot(screen: Screen, caption: str) -> tuple:
    return ("image", {"screen": screen, "caption": caption})


@dataclass
class LessonSpec:
    slug: str
    title: str
    title_zh: str
    minutes: int
    body: list
    required: bool = True


@dataclass
class CourseSpec:
    slug: str
    title: str
    title_zh: str
    roles: tuple[str, ...]
    level: str
    minutes: int
    modules: str
    summary: str
    summary_zh: str
    lessons: list[LessonSpec]
    version: str = "1.0"


# Shared screens -----------------------------------------------------------------------------

LOGIN = Screen(
    "login-employee-number",
    "worklist",
    T("Sign in", "登录"),
    fields=[
        (T("Employee no.", "工号"), "D0004"),
        (T("Password", "密码"), "••••••••"),
        (T("Department", "科室"), "Emergency 急诊科" if _font_path() else "Emergency"),
        (T("Workstation", "工作站"), "ED-NS-03"),
    ],
    buttons=[T("Sign in", "登录")],
    highlight=T("Employee no.", "工号"),
)
LOGIN_SUBMIT = Screen(
    "login-department",
    "worklist",
    T("Sign in", "登录"),
    fields=LOGIN.fields,
    buttons=[T("Sign in", "登录")],
    highlight=T("Sign in", "登录"),
)
WORKLIST_LOCK = Screen(
    "worklist-lock",
    "worklist",
    T("My work list", "我的工作列表"),
    table=[
        [T("Bed", "床号"), T("Patient", "患者"), T("Task", "任务"), T("Due", "时间")],
        ["12", "LIU Meifang", "Metformin 500 mg PO", "09:00"],
        ["14", "HE Jun", "Vital signs", "09:00"],
        ["15", "SUN Li", "!Cefuroxime 1.5 g IV (overdue)", "!08:00"],
    ],
    highlight="Lock",
)
PATIENT_SEARCH = Screen(
    "patient-search",
    "patients",
    T("Find a patient", "查找患者"),
    fields=[
        (T("Medical record no. or card", "病历号/就诊卡"), "OP 1002 3381"),
        (T("Name", "姓名"), ""),
    ],
    table=[
        [
            T("Name", "姓名"),
            T("Sex/age", "性别/年龄"),
            T("Record no.", "病历号"),
            T("Born", "出生日期"),
        ],
        ["WANG Jianguo", "M · 58", "OP 1002 3381", "1967-04-12"],
    ],
    buttons=[T("Search", "查询"), T("Read card", "读卡")],
    highlight=T("Medical record no. or card", "病历号/就诊卡"),
)
PATIENT_BANNER = Screen(
    "patient-banner",
    "clinic",
    T("Visit summary", "就诊概要"),
    patient=OUTPATIENT,
    fields=[
        (T("Visit", "就诊"), "Cardiology clinic · 2025-03-03"),
        (T("Doctor", "医生"), "CHEN Z."),
    ],
    buttons=[T("Open visit", "打开就诊")],
)

# Doctor: outpatient e-prescribing -------------------------------------------------------------

CLINIC_QUEUE = Screen(
    "clinic-queue",
    "clinic",
    T("Clinic queue", "候诊队列"),
    table=[
        [T("No.", "序号"), T("Patient", "患者"), T("Status", "状态"), T("Waiting", "等候")],
        ["A012", "WANG Jianguo", "Waiting 候诊" if _font_path() else "Waiting", "18 min"],
        ["A013", "ZHAO Min", "Waiting 候诊" if _font_path() else "Waiting", "9 min"],
    ],
    buttons=[T("Call next", "叫号"), T("Skip", "过号")],
    highlight=T("Call next", "叫号"),
)
CLINIC_ALLERGY = Screen(
    "clinic-allergies",
    "clinic",
    T("Allergies and history", "过敏史与病史"),
    patient=OUTPATIENT,
    table=[
        [T("Allergen", "过敏原"), T("Reaction", "反应"), T("Recorded", "记录人")],
        ["!Penicillin", "!Rash, itching", "LI P. · 2023-11-02"],
    ],
    buttons=[T("Confirm reviewed", "确认已核对"), T("Add allergy", "新增过敏")],
    highlight=T("Confirm reviewed", "确认已核对"),
)
CLINIC_DIAGNOSIS = Screen(
    "clinic-diagnosis",
    "clinic",
    T("Diagnosis", "诊断"),
    patient=OUTPATIENT,
    fields=[
        (T("Search ICD-10", "ICD-10检索"), "J02.9 Acute pharyngitis"),
        (T("Type", "类型"), "Primary 主要诊断"),
    ],
    buttons=[T("Add diagnosis", "添加诊断")],
    highlight=T("Search ICD-10", "ICD-10检索"),
)
RX_DRUG = Screen(
    "rx-choose-drug",
    "clinic",
    T("New prescription", "新建处方"),
    patient=OUTPATIENT,
    fields=[
        (T("Drug (generic name)", "药品（通用名）"), "Azithromycin 250 mg tablet"),
        (T("Stock · price", "库存·单价"), "1,240 · ¥2.10"),
    ],
    buttons=[T("Add to prescription", "加入处方")],
    highlight=T("Drug (generic name)", "药品（通用名）"),
)
RX_DOSE = Screen(
    "rx-dose",
    "clinic",
    T("New prescription", "新建处方"),
    patient=OUTPATIENT,
    fields=[
        (T("Dose", "剂量"), "500 mg"),
        (T("Route", "途径"), "Oral 口服" if _font_path() else "Oral"),
        (T("Frequency", "频次"), "Once daily 每日一次" if _font_path() else "Once daily"),
        (T("Days", "天数"), "3"),
        (T("Quantity (calculated)", "数量（自动计算）"), "6 tablets"),
    ],
    buttons=[T("Check", "审核"), T("Save draft", "暂存")],
    highlight=T("Quantity (calculated)", "数量（自动计算）"),
)
RX_CHECK = Screen(
    "rx-check",
    "clinic",
    T("Prescription check", "处方审核"),
    patient=OUTPATIENT,
    table=[
        [T("Drug", "药品"), T("Dose", "用法"), T("Qty", "数量"), T("Check", "审核")],
        ["Azithromycin 250 mg", "500 mg PO qd × 3 d", "6", "OK"],
    ],
    buttons=[T("Sign", "签名"), T("Back", "返回")],
    highlight=T("Sign", "签名"),
    message=("ok", T("No interactions or allergies found", "未发现相互作用或过敏")),
)
RX_SIGNED = Screen(
    "rx-signed",
    "clinic",
    T("Prescription", "处方"),
    patient=OUTPATIENT,
    table=[
        [T("Drug", "药品"), T("Dose", "用法"), T("Qty", "数量"), T("Status", "状态")],
        ["Azithromycin 250 mg", "500 mg PO qd × 3 d", "6", "Signed"],
    ],
    buttons=[T("Print", "打印"), T("New prescription", "新建处方")],
    message=("ok", T("Signed · sent to pharmacy and cashier", "已签名 · 已发送至药房与收费处")),
)
RX_ALLERGY_ALERT = Screen(
    "rx-allergy-alert",
    "clinic",
    T("New prescription", "新建处方"),
    patient=OUTPATIENT,
    fields=[(T("Drug (generic name)", "药品（通用名）"), "Amoxicillin 500 mg capsule")],
    dialog=(
        T("Allergy alert", "过敏警示"),
        "Amoxicillin is a penicillin.\nRecorded allergy: penicillin (rash).",
        [T("Choose another drug", "更换药品"), T("Override…", "强制使用…")],
    ),
    highlight=T("Choose another drug", "更换药品"),
)
RX_OVERRIDE = Screen(
    "rx-override-reason",
    "clinic",
    T("Override an alert", "强制使用说明"),
    patient=OUTPATIENT,
    fields=[
        (T("Reason (required)", "理由（必填）"), "Tolerated amoxicillin 2024, allergist note"),
        (T("Second doctor", "复核医生"), "LIU Y."),
    ],
    buttons=[T("Confirm override", "确认"), T("Cancel", "取消")],
    highlight=T("Reason (required)", "理由（必填）"),
)

# Doctor: inpatient orders ---------------------------------------------------------------------

ORDERS_LONG = Screen(
    "orders-long-term",
    "orders",
    T("New order · long-term", "新开医嘱 · 长期"),
    patient=INPATIENT,
    fields=[
        (T("Order type", "医嘱类型"), "Long-term 长期" if _font_path() else "Long-term"),
        (T("Item", "项目"), "0.9% sodium chloride 500 ml IV"),
        (T("Frequency", "频次"), "Once daily · 10:00"),
        (T("Start", "开始"), "2025-03-03 10:00"),
    ],
    buttons=[T("Sign", "签名"), T("Save draft", "暂存")],
    highlight=T("Order type", "医嘱类型"),
)
ORDERS_TEMP = Screen(
    "orders-temporary",
    "orders",
    T("New order · temporary", "新开医嘱 · 临时"),
    patient=INPATIENT,
    fields=[
        (T("Order type", "医嘱类型"), "Temporary 临时" if _font_path() else "Temporary"),
        (T("Item", "项目"), "Full blood count · STAT"),
        (T("Specimen", "标本"), "Venous blood (EDTA)"),
        (T("Priority", "优先级"), "STAT 急" if _font_path() else "STAT"),
    ],
    buttons=[T("Sign", "签名"), T("Save draft", "暂存")],
    highlight=T("Priority", "优先级"),
)
ORDERS_LIST = Screen(
    "orders-list-stop",
    "orders",
    T("Active orders", "在用医嘱"),
    patient=INPATIENT,
    table=[
        [T("Type", "类型"), T("Order", "医嘱"), T("Since", "开始"), T("Status", "状态")],
        ["Long-term", "0.9% NaCl 500 ml IV qd", "03-01", "Active"],
        ["Long-term", "Metformin 500 mg PO bid", "03-01", "Active"],
    ],
    buttons=[T("Stop", "停止"), T("Renew", "重整")],
    highlight=T("Stop", "停止"),
)
ORDERS_STOPPED = Screen(
    "orders-stopped",
    "orders",
    T("Active orders", "在用医嘱"),
    patient=INPATIENT,
    table=[
        [T("Type", "类型"), T("Order", "医嘱"), T("Since", "开始"), T("Status", "状态")],
        ["Long-term", "0.9% NaCl 500 ml IV qd", "03-01", "!To be stopped"],
        ["Long-term", "Metformin 500 mg PO bid", "03-01", "Active"],
    ],
    message=("warn", T("Waiting for the nurse to confirm the stop", "等待护士核对停止")),
)

# Nurse: barcode medication administration -----------------------------------------------------

MAR_DUE = Screen(
    "mar-due",
    "mar",
    T("Due medications", "待执行给药"),
    patient=INPATIENT,
    table=[
        [
            T("Time", "时间"),
            T("Medication", "药品"),
            T("Dose · route", "剂量·途径"),
            T("Status", "状态"),
        ],
        ["09:00", "Metformin 500 mg tablet", "500 mg PO", "Due"],
        ["10:00", "0.9% NaCl 500 ml", "500 ml IV", "Due"],
    ],
    highlight="row:1",
)
MAR_WRISTBAND = Screen(
    "mar-scan-wristband",
    "mar",
    T("Scan the patient's wristband", "扫描患者腕带"),
    patient=INPATIENT,
    fields=[
        (T("Wristband", "腕带"), "IP 2024 0815 ✓"),
        (T("Dose", "医嘱"), "Metformin 500 mg PO 09:00"),
    ],
    message=("ok", T("Right patient: LIU Meifang, bed 12", "患者正确：刘美芳，12床")),
    highlight=T("Wristband", "腕带"),
)
MAR_DRUG = Screen(
    "mar-scan-drug",
    "mar",
    T("Scan the medication", "扫描药品条码"),
    patient=INPATIENT,
    fields=[
        (T("Medication barcode", "药品条码"), "6901234567892 ✓"),
        (T("Matches order", "与医嘱一致"), "Drug · dose · route · time"),
    ],
    buttons=[T("Administered", "已执行"), T("Not given…", "未执行…")],
    message=(
        "ok",
        T("Match: right drug, dose, route and time", "核对一致：药品、剂量、途径、时间"),
    ),
    highlight=T("Medication barcode", "药品条码"),
)
MAR_GIVEN = Screen(
    "mar-administered",
    "mar",
    T("Due medications", "待执行给药"),
    patient=INPATIENT,
    table=[
        [
            T("Time", "时间"),
            T("Medication", "药品"),
            T("Dose · route", "剂量·途径"),
            T("Status", "状态"),
        ],
        ["09:00", "Metformin 500 mg tablet", "500 mg PO", "Given 09:04 · LIN X."],
        ["10:00", "0.9% NaCl 500 ml", "500 ml IV", "Due"],
    ],
    highlight="row:1",
)
MAR_WRONG_PATIENT = Screen(
    "mar-wrong-patient",
    "mar",
    T("Scan the patient's wristband", "扫描患者腕带"),
    patient=INPATIENT,
    fields=[(T("Wristband", "腕带"), "IP 2024 0822")],
    dialog=(
        T("Wrong patient", "患者不符"),
        "This wristband belongs to HE Jun, bed 14.\nThe dose is for LIU Meifang, bed 12.",
        [T("Stop", "停止"), T("Rescan", "重新扫描")],
    ),
    highlight=T("Stop", "停止"),
)
MAR_NOT_GIVEN = Screen(
    "mar-not-given",
    "mar",
    T("Not given: record why", "未执行：记录原因"),
    patient=INPATIENT,
    fields=[
        (T("Reason", "原因"), "Patient nil by mouth for surgery"),
        (T("Doctor informed", "已告知医生"), "CHEN Z. · 09:10"),
    ],
    buttons=[T("Save", "保存"), T("Cancel", "取消")],
    highlight=T("Reason", "原因"),
)
WRISTBAND_REPRINT = Screen(
    "wristband-reprint",
    "patients",
    T("Reprint wristband", "补打腕带"),
    patient=INPATIENT,
    fields=[
        (T("Identity checked with", "身份核对方式"), "Patient stated name + date of birth"),
        (T("Printer", "打印机"), "ED-NS-WB1"),
    ],
    buttons=[T("Print wristband", "打印腕带")],
    highlight=T("Identity checked with", "身份核对方式"),
)

# Nurse: documentation and vital signs ---------------------------------------------------------

VITALS_ENTRY = Screen(
    "vitals-entry",
    "nursing",
    T("Vital signs", "生命体征"),
    patient=INPATIENT,
    fields=[
        (T("Temperature °C", "体温"), "38.4"),
        (T("Heart rate /min", "心率"), "112"),
        (T("Blood pressure", "血压"), "96/58"),
        (T("Respiratory rate /min", "呼吸"), "24"),
        (T("SpO2 %", "血氧饱和度"), "93 (air)"),
        (T("Consciousness", "意识"), "Alert 清醒" if _font_path() else "Alert"),
    ],
    buttons=[T("Save", "保存")],
    highlight=T("Save", "保存"),
)
VITALS_SCORE = Screen(
    "vitals-warning-score",
    "nursing",
    T("Vital signs", "生命体征"),
    patient=INPATIENT,
    table=[
        [T("Time", "时间"), "T / HR / BP", "RR / SpO2", T("Score", "评分")],
        ["06:00", "37.2 / 88 / 124/76", "16 / 97", "1"],
        ["10:00", "!38.4 / 112 / 96/58", "!24 / 93", "!7"],
    ],
    message=("error", T("Early warning score 7: call the doctor now", "预警评分7分：立即通知医生")),
)
ASSESSMENT = Screen(
    "nursing-assessment",
    "nursing",
    T("Admission assessment", "入院护理评估"),
    patient=INPATIENT,
    fields=[
        (T("Falls risk (Morse)", "跌倒风险"), "55 · high 高危" if _font_path() else "55 · high"),
        (T("Pressure injury (Braden)", "压力性损伤"), "15 · at risk"),
        (T("Pain (0–10)", "疼痛评分"), "3"),
        (T("Nutrition (NRS-2002)", "营养风险"), "2"),
    ],
    buttons=[T("Save and create care plan", "保存并生成护理计划")],
    highlight=T("Falls risk (Morse)", "跌倒风险"),
)
HANDOVER = Screen(
    "nursing-handover",
    "nursing",
    T("Shift handover (SBAR)", "交班记录"),
    patient=INPATIENT,
    fields=[
        (T("Situation", "现状"), "Febrile 38.4, score 7 at 10:00"),
        (T("Background", "背景"), "Day 3 after pneumonia admission"),
        (T("Assessment", "评估"), "Possible sepsis, doctor reviewed"),
        (T("Recommendation", "建议"), "Obs hourly, blood cultures pending"),
    ],
    buttons=[T("Sign handover", "签名交班")],
    highlight=T("Sign handover", "签名交班"),
)

# Cashier: registration and billing -----------------------------------------------------------

REG_SEARCH = Screen(
    "registration-id-card",
    "registration",
    T("Registration", "挂号"),
    fields=[
        (T("ID card / insurance card", "身份证/医保卡"), "Read ✓ ZHANG Wei"),
        (T("Existing record", "已有档案"), "OP 1002 5120"),
    ],
    buttons=[T("Read card", "读卡"), T("New record", "新建档案")],
    highlight=T("Read card", "读卡"),
)
REG_CLINIC = Screen(
    "registration-clinic",
    "registration",
    T("Registration", "挂号"),
    patient=CASH_PATIENT,
    fields=[
        (T("Clinic", "科室"), "Cardiology 心内科" if _font_path() else "Cardiology"),
        (T("Doctor · session", "医生·时段"), "CHEN Z. · morning"),
        (T("Registration fee", "挂号费"), "¥ 25.00"),
        (T("Payer", "费别"), "City insurance 医保" if _font_path() else "City insurance"),
    ],
    buttons=[T("Register and pay", "挂号并收费")],
    highlight=T("Register and pay", "挂号并收费"),
)
BILL_ITEMS = Screen(
    "billing-items",
    "billing",
    T("Outpatient billing", "门诊收费"),
    patient=CASH_PATIENT,
    table=[
        [T("Item", "项目"), T("Ordered by", "开单医生"), T("Qty", "数量"), T("Amount", "金额")],
        ["Azithromycin 250 mg", "CHEN Z.", "6", "¥ 12.60"],
        ["Full blood count", "CHEN Z.", "1", "¥ 22.00"],
        [T("Total", "合计"), "", "", "¥ 34.60"],
    ],
    buttons=[T("Take payment", "收费"), T("Print list", "打印清单")],
    highlight="row:3",
)
BILL_PAY = Screen(
    "billing-payment",
    "billing",
    T("Take payment", "收费"),
    patient=CASH_PATIENT,
    fields=[
        (T("Insurance pays", "医保支付"), "¥ 20.76"),
        (T("Patient pays", "自付"), "¥ 13.84"),
        (T("Method", "支付方式"), "WeChat Pay 微信" if _font_path() else "WeChat Pay"),
        (T("Scan code", "付款码"), "Scanned ✓"),
    ],
    buttons=[T("Confirm payment", "确认收费")],
    message=("ok", T("Paid · e-invoice issued", "已收费 · 已开具电子发票")),
    highlight=T("Method", "支付方式"),
)
REFUND_FIND = Screen(
    "refund-invoice",
    "billing",
    T("Refund", "退费"),
    patient=CASH_PATIENT,
    table=[
        [T("Invoice", "发票"), T("Item", "项目"), T("Amount", "金额"), T("Refundable", "可退")],
        ["E-20250303-0042", "Full blood count", "¥ 22.00", "Yes (test cancelled)"],
        ["E-20250303-0042", "Azithromycin 250 mg", "¥ 12.60", "!No: drug not returned"],
    ],
    buttons=[T("Request refund", "申请退费")],
    highlight="row:1",
)
REFUND_AUTH = Screen(
    "refund-authorise",
    "billing",
    T("Refund authorisation", "退费授权"),
    patient=CASH_PATIENT,
    fields=[
        (T("Reason", "原因"), "Test cancelled by doctor"),
        (T("Refund to", "退回"), "Original method: WeChat Pay"),
        (T("Supervisor", "审批人"), "QIAN L. · PIN ✓"),
        (T("Amount", "金额"), "¥ 22.00"),
    ],
    buttons=[T("Refund", "退费")],
    highlight=T("Supervisor", "审批人"),
)
SETTLEMENT = Screen(
    "shift-settlement",
    "billing",
    T("Shift settlement", "交班日结"),
    table=[
        [T("Method", "方式"), T("System", "系统"), T("Counted", "实点"), T("Difference", "差额")],
        ["Cash", "¥ 1,820.00", "¥ 1,820.00", "0.00"],
        ["WeChat / Alipay", "¥ 6,412.40", "—", "0.00"],
        ["Bank card", "¥ 2,306.00", "—", "0.00"],
    ],
    buttons=[T("Settle and lock", "结账并锁定"), T("Print report", "打印日结单")],
    highlight=T("Settle and lock", "结账并锁定"),
)

# Admin: users, roles, reports ---------------------------------------------------------------

USER_NEW = Screen(
    "user-new",
    "users",
    T("New user", "新建用户"),
    fields=[
        (T("Employee no.", "工号"), "E10457"),
        (T("Staff record", "人事档案"), "HUANG Li · Nurse · ED"),
        (T("Login name", "登录名"), "e10457"),
        (T("Valid until", "有效期至"), "2026-12-31"),
    ],
    buttons=[T("Create", "创建")],
    highlight=T("Staff record", "人事档案"),
)
USER_ROLES = Screen(
    "user-roles",
    "users",
    T("Roles for HUANG Li", "黄莉的角色"),
    table=[
        [T("Role", "角色"), T("Scope", "范围"), T("Granted", "授予")],
        ["Ward nurse", "ED · ED-OBS", "✓"],
        ["Nurse manager", "—", ""],
        ["Pharmacy dispensing", "—", ""],
    ],
    buttons=[T("Save", "保存"), T("Preview permissions", "预览权限")],
    highlight="row:1",
)
USER_DISABLE = Screen(
    "user-disable",
    "users",
    T("Disable account", "停用账号"),
    fields=[
        (T("User", "用户"), "e08211 · SUN Qiang"),
        (T("Reason", "原因"), "Left the hospital 2025-02-28"),
    ],
    buttons=[T("Disable", "停用"), T("Cancel", "取消")],
    highlight=T("Disable", "停用"),
)
AUDIT_LOG = Screen(
    "audit-log",
    "users",
    T("Audit log", "审计日志"),
    fields=[(T("User", "用户"), "e08211"), (T("Period", "期间"), "2025-02-01 – 2025-03-03")],
    table=[
        [T("Time", "时间"), T("Action", "操作"), T("Patient", "患者"), T("Workstation", "工作站")],
        ["02-27 14:02", "Viewed record", "OP 1002 3381", "CARD-DR-02"],
        ["!03-02 02:15", "!Sign-in attempt (disabled)", "—", "!ED-NS-03"],
    ],
    highlight="row:2",
)
REPORT_RUN = Screen(
    "report-run",
    "reports",
    T("Outpatient visits by department", "各科门诊人次"),
    fields=[
        (T("Period", "期间"), "2025-02-01 – 2025-02-28"),
        (T("Campus", "院区"), "All 全部" if _font_path() else "All"),
    ],
    table=[
        [T("Department", "科室"), T("Visits", "人次"), T("vs last month", "环比")],
        ["Cardiology", "3,412", "+4.1%"],
        ["Paediatrics", "5,980", "-2.3%"],
    ],
    buttons=[T("Run", "查询"), T("Export…", "导出…")],
    highlight=T("Run", "查询"),
)
REPORT_EXPORT = Screen(
    "report-export",
    "reports",
    T("Export", "导出"),
    fields=[
        (T("Format", "格式"), "Excel (.xlsx)"),
        (T("Patient identifiers", "患者身份信息"), "Masked 脱敏" if _font_path() else "Masked"),
        (T("Save to", "保存至"), "Hospital shared drive \\\\reports"),
    ],
    buttons=[T("Export", "导出")],
    highlight=T("Patient identifiers", "患者身份信息"),
)

# Courses ----------------------------------------------------------------------------------------

TUTORIAL = "tutorial"  # placeholders resolved when building
MANUAL = "manual"
CARD = "card"

BASICS = CourseSpec(
    slug="his-basics-for-everyone",
    title="HIS basics for everyone",
    title_zh="新HIS基础（全员必修）",
    roles=ALL_ROLES,
    level="basic",
    minutes=30,
    modules="sign-in, patient search, patient banner, screen lock",
    summary="<p>What every member of staff needs on go-live day: signing in with your own "
    "account, locking the screen, finding the right patient and reading the patient banner. "
    "Complete it before any role course.</p>",
    summary_zh="<p>上线当天每位员工都需要掌握的内容：使用本人账号登录、锁屏、查找正确的患者、"
    "识读患者信息栏。请在学习岗位课程之前完成。</p>",
    lessons=[
        LessonSpec(
            "sign-in-and-lock",
            "Sign in, choose your department and lock your screen",
            "登录、选择科室与锁屏",
            10,
            [
                heading("Your account is your signature"),
                text(
                    "<p>In the new HIS every order, note, dose and payment is recorded under the "
                    "account that was signed in. The shared ward logins of the old system are "
                    "switched off at go-live: you sign in with your <b>employee number</b> (工号) "
                    "and your own password, on every workstation and PDA.</p>"
                ),
                ("video", {"video": TUTORIAL, "caption": "Sign in and lock your screen (10 s)"}),
                procedure(
                    "Sign in to the new HIS",
                    step(
                        "<p>Open <b>New HIS</b> from the desktop. Enter your employee number "
                        "(工号) and your password.</p>",
                        LOGIN,
                        "The password shows as dots; a warning appears if Caps Lock is on.",
                    ),
                    step(
                        "<p>Choose the department you work in today (科室) and click "
                        "<b>Sign in</b> (登录).</p>",
                        LOGIN_SUBMIT,
                        "Your work list for that department opens, with your name in the top bar.",
                    ),
                    step(
                        "<p>Leaving the workstation, even for a minute? Click <b>Lock</b> (锁屏) "
                        "or press <b>Win + L</b>.</p>",
                        WORKLIST_LOCK,
                        "The lock screen shows; your unsaved work is kept until you sign back in.",
                    ),
                ),
                warning(
                    "<p>Never let a colleague work under your account, and never use theirs. "
                    "The audit log cannot tell you apart, and you answer for what was done.</p>"
                ),
                check(
                    "A colleague asks to use your open session to print a lab label quickly. "
                    "What do you do?",
                    [
                        ("Let them: it is only a label", False),
                        ("Lock your screen and ask them to sign in with their own account", True),
                        ("Sign out without saving your work", False),
                    ],
                    "<p>Everything done in your session is recorded as yours. Locking keeps your "
                    "work; your colleague signs in on the same workstation in seconds.</p>",
                ),
                ("related_help", TUTORIAL),
            ],
        ),
        LessonSpec(
            "find-the-right-patient",
            "Find the right patient and read the patient banner",
            "查找正确的患者并识读患者信息栏",
            10,
            [
                heading("Two identifiers, every time"),
                text(
                    "<p>Before you order, give, charge or document anything, confirm the patient "
                    "with <b>two identifiers</b>: full name and medical record number (or date "
                    "of birth). Bed numbers and diagnoses are not identifiers: patients move and "
                    "share diagnoses.</p>"
                ),
                procedure(
                    "Find a patient",
                    step(
                        "<p>Go to <b>Patients</b> (患者). Scan the patient's card or wristband, or "
                        "type the medical record number, and click <b>Search</b>.</p>",
                        PATIENT_SEARCH,
                        "One matching patient is listed with sex, age and date of birth.",
                    ),
                    step(
                        "<p>Open the patient and read the banner at the top: name, sex and age, "
                        "record number, and the allergy flag on the right.</p>",
                        PATIENT_BANNER,
                        "The banner stays on every screen of this patient; allergies show in red.",
                    ),
                ),
                tip(
                    "<p>Scanning the card or wristband is faster than typing a name and never "
                    "picks a namesake: the hospital has 23 patients called Wang Jianguo.</p>"
                ),
                check(
                    "Which two identifiers confirm you have the right patient?",
                    [
                        ("Name and bed number", False),
                        ("Name and medical record number (or date of birth)", True),
                        ("Bed number and diagnosis", False),
                    ],
                    "<p>Bed numbers change with every transfer and many patients share a "
                    "diagnosis. Name plus record number or date of birth is unique.</p>",
                ),
            ],
        ),
        LessonSpec(
            "help-on-go-live-day",
            "Where to get help on go-live day",
            "上线当天如何求助",
            5,
            [
                heading("Help is on your ward"),
                text(
                    "<p>During the first four weeks, every ward and counter has a <b>seed user</b> "
                    "(种子用户) on each shift: a colleague trained early who wears a green badge. "
                    "Ask them first. The HIS help desk answers on extension <b>8000</b> day and "
                    "night.</p>"
                ),
                tip(
                    "<p>If a screen in a lesson no longer matches the system, use "
                    "<b>Report a problem</b> under the lesson: the trainers update it.</p>"
                ),
                check(
                    "The HIS stops responding during a medication round. Whom do you call first?",
                    [
                        ("The seed user on your shift, then extension 8000", True),
                        ("The software vendor's sales office", False),
                        ("Nobody: restart the workstation repeatedly", False),
                    ],
                    "<p>The seed user knows the ward's workflow; the help desk (8000) logs and "
                    "escalates outages. Downtime forms are in the red folder at the station.</p>",
                ),
                ("related_help", MANUAL),
            ],
            required=False,
        ),
    ],
)

DOCTOR_RX = CourseSpec(
    slug="outpatient-e-prescribing",
    title="Outpatient e-prescribing in the new HIS",
    title_zh="新HIS门诊电子处方",
    roles=("doctor",),
    level="basic",
    minutes=45,
    modules="outpatient clinic, e-prescribing, prescription check",
    summary="<p>Run an outpatient visit in the new HIS: call the patient, review allergies, "
    "record the diagnosis, then write, check and sign an electronic prescription that goes "
    "straight to the pharmacy and the cashier.</p>",
    summary_zh="<p>在新HIS中完成一次门诊：叫号、核对过敏史、录入诊断，开立、审核并签署电子处方，"
    "处方直接发送至药房与收费处。</p>",
    lessons=[
        LessonSpec(
            "open-the-visit",
            "Open the visit and check allergies before prescribing",
            "开方前打开就诊并核对过敏史",
            15,
            [
                heading("Start the visit"),
                text(
                    "<p>A prescription belongs to a visit, and a visit needs a diagnosis before "
                    "anything can be signed. Calling the patient from the queue opens the "
                    "visit and stops the waiting-time clock on the clinic display.</p>"
                ),
                procedure(
                    "Start an outpatient visit",
                    step(
                        "<p>In <b>Outpatient clinic</b> (门诊), click <b>Call next</b> (叫号).</p>",
                        CLINIC_QUEUE,
                        "The patient's number shows on the waiting-room display and their "
                        "visit opens.",
                    ),
                    step(
                        "<p>Open <b>Allergies and history</b>. Ask the patient, update the list, "
                        "then click <b>Confirm reviewed</b> (确认已核对).</p>",
                        CLINIC_ALLERGY,
                        "The banner shows the allergy in red and today's date as last reviewed.",
                    ),
                    step(
                        "<p>Search the diagnosis by name or ICD-10 code and click "
                        "<b>Add diagnosis</b>.</p>",
                        CLINIC_DIAGNOSIS,
                        "The diagnosis appears in the visit summary; prescribing is unlocked.",
                    ),
                ),
                warning(
                    "<p>An empty allergy list means <b>nobody has recorded</b> allergies yet, not "
                    "that there are none. Ask, and record “no known allergies” explicitly.</p>"
                ),
                check(
                    "The allergy list of a new patient is empty. What does it mean?",
                    [
                        ("The patient has no allergies", False),
                        ("Allergies have not been recorded yet: ask and record", True),
                        ("The allergy module is switched off in outpatients", False),
                    ],
                    "<p>The alert checks only work on recorded allergies. Recording “no known "
                    "allergies” is a deliberate, dated statement.</p>",
                ),
            ],
        ),
        LessonSpec(
            "write-and-sign",
            "Write, check and sign an e-prescription",
            "开立、审核并签署电子处方",
            20,
            [
                heading("From drug to signature"),
                text(
                    "<p>Choose drugs by <b>generic name</b> from the hospital formulary: stock "
                    "and price show as you type. The HIS calculates the quantity from dose, "
                    "frequency and days; the prescription check (审核) runs allergy, "
                    "interaction and dose-range rules before you can sign.</p>"
                ),
                procedure(
                    "Write and sign a prescription",
                    step(
                        "<p>Click <b>New prescription</b> (新建处方) and type the generic name; "
                        "pick the strength and form.</p>",
                        RX_DRUG,
                        "The drug is listed with stock and unit price.",
                    ),
                    step(
                        "<p>Enter dose, route, frequency and number of days.</p>",
                        RX_DOSE,
                        "The quantity is calculated (here 6 tablets) and cannot be typed over.",
                    ),
                    step(
                        "<p>Click <b>Check</b> (审核) and read the result.</p>",
                        RX_CHECK,
                        "A green bar: no interactions or allergies found.",
                    ),
                    step(
                        "<p>Click <b>Sign</b> (签名) and enter your signature PIN.</p>",
                        RX_SIGNED,
                        "Status “Signed”: the pharmacy and the cashier see the prescription.",
                    ),
                ),
                warning(
                    "<p>Do not use <b>free-text drug</b> entries: the pharmacy cannot dispense "
                    "them and no safety check runs. Ask pharmacy to add a missing drug.</p>"
                ),
                check(
                    "Azithromycin 500 mg once daily for 3 days, 250 mg tablets. What quantity "
                    "does the HIS calculate?",
                    [("3 tablets", False), ("6 tablets", True), ("12 tablets", False)],
                    "<p>2 tablets a day × 3 days = 6 tablets. The quantity follows the dose; "
                    "you change the dose, not the quantity.</p>",
                ),
            ],
        ),
        LessonSpec(
            "allergy-and-interaction-alerts",
            "Handle allergy and interaction alerts",
            "处理过敏与药物相互作用警示",
            10,
            [
                heading("An alert is a question, not a nuisance"),
                text(
                    "<p>When a drug conflicts with a recorded allergy or another active drug, "
                    "the check stops with an alert. Usually the right answer is another drug. "
                    "Overriding needs a written reason and a second doctor, and both are shown "
                    "to the pharmacist.</p>"
                ),
                procedure(
                    "Respond to an allergy alert",
                    step(
                        "<p>Read the alert: it names the drug class and the recorded reaction. "
                        "Click <b>Choose another drug</b> (更换药品).</p>",
                        RX_ALLERGY_ALERT,
                        "The drug is removed and the search opens again.",
                    ),
                    step(
                        "<p>Only when the benefit is clear: click <b>Override…</b>, write the "
                        "reason and name the second doctor.</p>",
                        RX_OVERRIDE,
                        "The override and its reason are saved and shown on the pharmacy screen.",
                    ),
                ),
                warning(
                    "<p>An override without a reason is refused, and in a practical exam it "
                    "fails the attempt whatever the score.</p>"
                ),
                check(
                    "A penicillin-allergic patient needs an antibiotic for pharyngitis. The "
                    "alert fires on amoxicillin. What is the usual response?",
                    [
                        ("Override: the rash was probably viral", False),
                        ("Choose another drug, such as a macrolide", True),
                        ("Delete the allergy so the alert stops", False),
                    ],
                    "<p>Choose an alternative. Deleting a recorded allergy is never a way to "
                    "silence an alert.</p>",
                ),
                ("related_help", TUTORIAL),
            ],
        ),
    ],
)

DOCTOR_ORDERS = CourseSpec(
    slug="inpatient-orders",
    title="Inpatient orders: long-term and temporary orders",
    title_zh="住院医嘱：长期医嘱与临时医嘱",
    roles=("doctor",),
    level="advanced",
    minutes=40,
    modules="inpatient orders, order sets, nursing execution",
    summary="<p>Write long-term and temporary orders for ward patients, and stop or change "
    "them on the ward round so that nurses see exactly what is current.</p>",
    summary_zh="<p>为住院患者开立长期医嘱与临时医嘱，并在查房时停止或修改医嘱，使护士清楚当前有效的医嘱。</p>",
    lessons=[
        LessonSpec(
            "long-term-and-temporary",
            "Long-term versus temporary orders",
            "长期医嘱与临时医嘱",
            20,
            [
                heading("Two kinds of order"),
                text(
                    "<p><b>Long-term orders</b> (长期医嘱) repeat until stopped: regular drugs, "
                    "diet, nursing level. <b>Temporary orders</b> (临时医嘱) happen once: a STAT "
                    "test, a single dose, an X-ray. Nurses execute both from their work list; "
                    "only signed orders reach them.</p>"
                ),
                procedure(
                    "Write one order of each kind",
                    step(
                        "<p>Click <b>New order</b>, choose type <b>Long-term</b>, the item, "
                        "frequency and start time, then <b>Sign</b>.</p>",
                        ORDERS_LONG,
                        "The order appears under Active orders and on the nurses' work list "
                        "at 10:00 every day.",
                    ),
                    step(
                        "<p>For a one-off test choose type <b>Temporary</b> and set the priority "
                        "(STAT 急) before signing.</p>",
                        ORDERS_TEMP,
                        "The lab label prints at the nurse station; STAT orders show in red.",
                    ),
                ),
                tip(
                    "<p>Order sets (医嘱套餐) for common admissions fill in several orders at "
                    "once; review every line before signing.</p>"
                ),
                check(
                    "Which of these is a temporary order?",
                    [
                        ("Metformin 500 mg twice daily", False),
                        ("Full blood count, STAT", True),
                        ("Level II nursing care", False),
                    ],
                    "<p>A test done once is temporary; regular drugs and care levels are "
                    "long-term until stopped.</p>",
                ),
            ],
        ),
        LessonSpec(
            "stop-and-change",
            "Stop, change and review orders on the ward round",
            "查房时停止、修改与核对医嘱",
            20,
            [
                heading("Signed orders are never edited"),
                text(
                    "<p>To change a signed order, <b>stop</b> it and write a new one. The nurse "
                    "confirms the stop, so the old dose cannot be given by mistake.</p>"
                ),
                procedure(
                    "Stop an order",
                    step(
                        "<p>In <b>Active orders</b>, select the order and click <b>Stop</b> "
                        "(停止); give the stop time.</p>",
                        ORDERS_LIST,
                        "The order shows “To be stopped”.",
                    ),
                    step(
                        "<p>Wait for the nurse's confirmation; write the new order if needed.</p>",
                        ORDERS_STOPPED,
                        "After the nurse confirms, the order moves to Stopped orders.",
                    ),
                ),
                check(
                    "You want to change a signed order from 500 ml to 1000 ml. What do you do?",
                    [
                        ("Edit the volume on the signed order", False),
                        ("Stop the order and write a new one", True),
                        ("Tell the nurse to give double", False),
                    ],
                    "<p>Signed orders are a legal record: stop and re-order keeps a clean "
                    "history and alerts the nurse.</p>",
                ),
            ],
        ),
    ],
)

NURSE_BCMA = CourseSpec(
    slug="barcode-medication-administration",
    title="Barcode medication administration with wristband scan",
    title_zh="扫码给药：腕带与药品双扫描核对",
    roles=("nurse",),
    level="basic",
    minutes=40,
    modules="medication administration (MAR), wristband scanning, PDA",
    summary="<p>Give every dose with two scans: the patient's wristband, then the medication. "
    "The PDA checks the five rights against the signed order and records who gave what, "
    "when.</p>",
    summary_zh="<p>每次给药都要扫描两次：先扫患者腕带，再扫药品条码。PDA依据已签署医嘱核对“五查”，"
    "并记录给药人与给药时间。</p>",
    lessons=[
        LessonSpec(
            "five-rights-and-scan-order",
            "The five rights and the scan sequence",
            "给药“五查”与扫码顺序",
            10,
            [
                heading("Right patient, drug, dose, route, time"),
                text(
                    "<p>The scan does not replace your check; it makes it reliable. The "
                    "sequence is always the same: <b>wristband first, then the medication</b>, "
                    "at the bedside, immediately before giving.</p>"
                ),
                screenshot(MAR_DUE, "The MAR on the PDA: due doses for the selected patient."),
                tip(
                    "<p>Take the PDA to the bedside. Scanning at the trolley and then walking to "
                    "the patient defeats the check.</p>"
                ),
                check(
                    "What do you scan first?",
                    [
                        ("The medication barcode", False),
                        ("The patient's wristband", True),
                        ("The bed label", False),
                    ],
                    "<p>The wristband selects the patient; the medication scan is then checked "
                    "against that patient's signed orders.</p>",
                ),
            ],
        ),
        LessonSpec(
            "scan-verify-give-document",
            "Scan, verify, give and document",
            "扫码、核对、给药与记录",
            20,
            [
                heading("One dose, four steps"),
                procedure(
                    "Give a dose with the PDA",
                    step(
                        "<p>Open <b>Medication (MAR)</b> (给药) on the PDA and select the due "
                        "dose.</p>",
                        MAR_DUE,
                        "Due doses for your patients are listed; overdue doses are red.",
                    ),
                    step(
                        "<p>Scan the <b>patient's wristband</b>.</p>",
                        MAR_WRISTBAND,
                        "Green bar: right patient, with name and bed.",
                    ),
                    step(
                        "<p>Scan the <b>medication barcode</b> on the unit dose.</p>",
                        MAR_DRUG,
                        "Green bar: right drug, dose, route and time.",
                    ),
                    step(
                        "<p>Give the medication, then tap <b>Administered</b> (已执行).</p>",
                        MAR_GIVEN,
                        "The dose shows “Given” with the time and your name.",
                    ),
                ),
                ("document", {"document": CARD, "label": "Quick reference card (PDF, print it)"}),
                check(
                    "The wristband scan shows a green bar. Can you tap Administered now?",
                    [
                        ("Yes, the patient is confirmed", False),
                        ("No, scan the medication first", True),
                    ],
                    "<p>Both scans are required: the second checks the drug, dose, route and "
                    "time against the order.</p>",
                ),
                ("related_help", MANUAL),
            ],
        ),
        LessonSpec(
            "when-the-scan-fails",
            "When the scan fails: wrong-patient alerts and exceptions",
            "扫码失败：错误患者警示与例外处理",
            10,
            [
                heading("Stop on red"),
                procedure(
                    "Handle the exceptions",
                    step(
                        "<p>A red <b>Wrong patient</b> (患者不符) alert: click <b>Stop</b>, do not "
                        "give, and check who is in front of you.</p>",
                        MAR_WRONG_PATIENT,
                        "Nothing is recorded as given; the alert is logged.",
                    ),
                    step(
                        "<p>A dose you cannot give (patient refuses, nil by mouth): tap "
                        "<b>Not given…</b> and record the reason and who you told.</p>",
                        MAR_NOT_GIVEN,
                        "The dose shows “Not given” with your reason; the doctor sees it.",
                    ),
                    step(
                        "<p>Wristband missing or unreadable: confirm identity with the patient "
                        "and reprint it at the nurse station before the dose.</p>",
                        WRISTBAND_REPRINT,
                        "A new wristband prints; put it on the patient, then scan it.",
                    ),
                ),
                warning(
                    "<p>Never scan a wristband that is not on the patient, and never type the "
                    "barcode number to get past a failed scan.</p>"
                ),
                check(
                    "The wristband is too creased to scan. What do you do?",
                    [
                        ("Type the record number on the PDA", False),
                        ("Scan the spare wristband taped to the bed", False),
                        ("Confirm identity, reprint the wristband, put it on, then scan", True),
                    ],
                    "<p>The scan must prove the patient in front of you; only a wristband on "
                    "the patient does that.</p>",
                ),
            ],
        ),
    ],
)

NURSE_DOCS = CourseSpec(
    slug="nursing-documentation-vital-signs",
    title="Nursing documentation and vital signs",
    title_zh="护理文书与生命体征录入",
    roles=("nurse",),
    level="basic",
    minutes=35,
    modules="vital signs, early warning score, nursing assessment, handover",
    summary="<p>Record vital signs so the HIS can calculate the early warning score, complete "
    "the admission assessment and write a structured (SBAR) shift handover.</p>",
    summary_zh="<p>录入生命体征以便系统计算早期预警评分，完成入院护理评估，并书写结构化（SBAR）交班记录。</p>",
    lessons=[
        LessonSpec(
            "vital-signs-and-warning-score",
            "Record vital signs and read the early warning score",
            "录入生命体征并识读早期预警评分",
            15,
            [
                heading("Every set counts"),
                text(
                    "<p>Enter the full set (temperature, heart rate, blood pressure, respiratory "
                    "rate, SpO₂, consciousness): the early warning score is only calculated from "
                    "a complete set.</p>"
                ),
                procedure(
                    "Record a set of observations",
                    step(
                        "<p>Open the patient, go to <b>Nursing records → Vital signs</b>, enter "
                        "all six values and click <b>Save</b> (保存).</p>",
                        VITALS_ENTRY,
                        "The values are saved with the time and your name.",
                    ),
                    step(
                        "<p>Read the score and its colour on the chart.</p>",
                        VITALS_SCORE,
                        "A score of 5 or more shows red and asks you to call the doctor.",
                    ),
                ),
                warning(
                    "<p>A red score is an instruction: call the doctor now and record that you "
                    "did. Do not wait for the next round.</p>"
                ),
                check(
                    "The score is 7. What do you do?",
                    [
                        ("Repeat the observations in 4 hours", False),
                        ("Call the doctor now and document the call", True),
                        ("Enter the values again to see if the score changes", False),
                    ],
                    "<p>A score of 5 or more needs an urgent medical review.</p>",
                ),
            ],
        ),
        LessonSpec(
            "assessment-and-handover",
            "Nursing assessment and shift handover notes",
            "护理评估与交班记录",
            20,
            [
                heading("Assess once, use everywhere"),
                procedure(
                    "Admission assessment and handover",
                    step(
                        "<p>Complete the <b>admission assessment</b> within 2 hours: falls, "
                        "pressure injury, pain and nutrition scores.</p>",
                        ASSESSMENT,
                        "High-risk scores create care-plan items and a bed-side sign to print.",
                    ),
                    step(
                        "<p>At the end of the shift write the handover as <b>SBAR</b> and click "
                        "<b>Sign handover</b> (签名交班).</p>",
                        HANDOVER,
                        "The next shift sees your handover at the top of the patient's record.",
                    ),
                ),
                tip(
                    "<p>Use the patient's own words for pain and concerns; the next shift "
                    "reads your handover before meeting them.</p>"
                ),
                check(
                    "What does the B in SBAR stand for?",
                    [("Background", True), ("Blood pressure", False), ("Bed", False)],
                    "<p>Situation, Background, Assessment, Recommendation.</p>",
                ),
            ],
        ),
    ],
)

CASHIER_BILLING = CourseSpec(
    slug="registration-and-billing",
    title="Patient registration and billing",
    title_zh="患者挂号与收费",
    roles=("cashier",),
    level="basic",
    minutes=40,
    modules="registration, patient index, outpatient billing, payment",
    summary="<p>Register patients against a single patient index, issue visit numbers, charge "
    "for prescriptions and tests and take payment by insurance card, mobile payment, bank card "
    "or cash.</p>",
    summary_zh="<p>基于统一患者主索引挂号并发放就诊号，对处方与检查收费，支持医保卡、移动支付、银行卡与现金。</p>",
    lessons=[
        LessonSpec(
            "register-a-patient",
            "Register a patient and issue a visit number",
            "患者建档与挂号",
            20,
            [
                heading("One patient, one record"),
                text(
                    "<p>Always read the ID or insurance card first: the HIS finds an existing "
                    "record and prevents duplicates. Create a new record only when the card "
                    "finds none.</p>"
                ),
                procedure(
                    "Register an outpatient visit",
                    step(
                        "<p>Click <b>Read card</b> (读卡) and place the ID or insurance card on "
                        "the reader.</p>",
                        REG_SEARCH,
                        "The existing record is found and opened.",
                    ),
                    step(
                        "<p>Choose clinic, doctor and session; check the payer, then "
                        "<b>Register and pay</b>.</p>",
                        REG_CLINIC,
                        "A receipt with the queue number prints; the patient joins the clinic "
                        "queue.",
                    ),
                ),
                warning(
                    "<p>Never create a second record because the first is hard to find: lab "
                    "results and allergies would be split between them.</p>"
                ),
                check(
                    "The card reader finds no record, but the patient says they came last year. "
                    "What do you do?",
                    [
                        ("Create a new record straight away", False),
                        ("Search by name and date of birth before creating one", True),
                    ],
                    "<p>Old records may have been created without a card. Search first; ask "
                    "the registration lead to merge duplicates.</p>",
                ),
            ],
        ),
        LessonSpec(
            "charge-and-take-payment",
            "Charge for prescriptions and tests, take payment",
            "处方与检查收费",
            20,
            [
                heading("Orders become charges"),
                text(
                    "<p>What the doctor signs appears at the cashier automatically; you never "
                    "type items. Insurance is split off first and the patient pays the rest.</p>"
                ),
                procedure(
                    "Take a payment",
                    step(
                        "<p>Scan the visit barcode on the patient's receipt and check the items "
                        "and the total.</p>",
                        BILL_ITEMS,
                        "Signed prescriptions and tests are listed with the total.",
                    ),
                    step(
                        "<p>Click <b>Take payment</b>, choose the method and scan the payment "
                        "code or card, then <b>Confirm payment</b>.</p>",
                        BILL_PAY,
                        "“Paid”: the e-invoice is issued and the pharmacy can dispense.",
                    ),
                ),
                check(
                    "A patient asks you to add a drug the doctor forgot. What do you do?",
                    [
                        ("Add it at the cashier", False),
                        ("Send the patient back to the doctor to prescribe it", True),
                    ],
                    "<p>Charges come only from signed orders; the cashier cannot add items.</p>",
                ),
            ],
        ),
    ],
)

CASHIER_REFUNDS = CourseSpec(
    slug="refunds-and-shift-settlement",
    title="Refunds and shift settlement",
    title_zh="退费与交班日结",
    roles=("cashier",),
    level="advanced",
    minutes=30,
    modules="refunds, authorisation, shift settlement",
    summary="<p>Refund only what was cancelled or returned, with a supervisor's authorisation, "
    "to the original payment method; then settle your shift so the drawer and the system "
    "agree.</p>",
    summary_zh="<p>仅对已取消或已退回的项目办理退费，须经主管授权并原路退回；交班时完成日结，确保钱箱与系统一致。</p>",
    lessons=[
        LessonSpec(
            "authorised-refund",
            "Process an authorised refund",
            "办理经授权的退费",
            15,
            [
                heading("Cancelled first, refunded second"),
                text(
                    "<p>A test must be cancelled by the doctor, and a drug returned to the "
                    "pharmacy (退药确认), before its charge can be refunded. The HIS shows which "
                    "items are refundable.</p>"
                ),
                procedure(
                    "Refund a cancelled test",
                    step(
                        "<p>Open <b>Billing → Refund</b>, find the invoice and select the "
                        "refundable line.</p>",
                        REFUND_FIND,
                        "Only cancelled or returned items can be selected.",
                    ),
                    step(
                        "<p>Enter the reason; your supervisor authorises with their PIN; "
                        "click <b>Refund</b>.</p>",
                        REFUND_AUTH,
                        "The money goes back to the original method and a red invoice is issued.",
                    ),
                ),
                warning(
                    "<p>Never pay cash for a mobile or card payment, and never refund without "
                    "authorisation: it fails the practical exam outright.</p>"
                ),
                check(
                    "A patient paid by WeChat Pay and asks for the refund in cash. What do you do?",
                    [
                        ("Give cash: the amount is small", False),
                        ("Refund to WeChat Pay, the original method", True),
                    ],
                    "<p>Refunds go back the way the money came; this keeps the drawer and the "
                    "payment reconciliation correct.</p>",
                ),
            ],
        ),
        LessonSpec(
            "settle-your-shift",
            "Settle your shift",
            "交班日结",
            15,
            [
                heading("Drawer and system agree"),
                procedure(
                    "Settle a shift",
                    step(
                        "<p>Open <b>Shift settlement</b> (日结), count the cash and enter the "
                        "counted amount; compare each method.</p>",
                        SETTLEMENT,
                        "Every difference is 0.00; a difference must be explained before locking.",
                    ),
                ),
                tip(
                    "<p>Print the settlement report and hand it over with the cash bag; the "
                    "next cashier starts a new shift in the HIS.</p>"
                ),
                check(
                    "Cash counted is ¥10 less than the system. Can you lock the settlement?",
                    [
                        ("Yes, small differences do not matter", False),
                        ("Only after recording the difference and telling the supervisor", True),
                    ],
                    "<p>Differences are recorded with an explanation; the supervisor signs "
                    "them off.</p>",
                ),
            ],
        ),
    ],
)

ADMIN_USERS = CourseSpec(
    slug="user-accounts-and-role-permissions",
    title="User accounts and role permissions",
    title_zh="用户账号与角色权限",
    roles=("admin",),
    level="advanced",
    minutes=45,
    modules="user management, roles, least privilege, audit log",
    summary="<p>Create accounts from the HR roster, grant roles with least privilege, disable "
    "leavers on their last day and read the audit log.</p>",
    summary_zh="<p>依据人事名单创建账号，按最小权限原则授予角色，员工离职当日停用账号，并查阅审计日志。</p>",
    lessons=[
        LessonSpec(
            "create-a-user",
            "Create a user account from the roster",
            "根据人事名单创建用户账号",
            15,
            [
                heading("Accounts follow the roster"),
                procedure(
                    "Create a user",
                    step(
                        "<p>Click <b>New user</b>, enter the employee number and link the staff "
                        "record from the roster.</p>",
                        USER_NEW,
                        "Name, job role and department fill in from the roster.",
                    ),
                ),
                tip(
                    "<p>Set an end date for temporary staff and students: the account locks "
                    "itself.</p>"
                ),
                check(
                    "A new nurse starts tomorrow but is not on the roster yet. What do you do?",
                    [
                        ("Create the account by hand now", False),
                        ("Ask HR to add her to the roster, then create the account", True),
                    ],
                    "<p>Accounts without a roster record are not deactivated when the person "
                    "leaves.</p>",
                ),
            ],
        ),
        LessonSpec(
            "least-privilege",
            "Grant roles with least privilege",
            "按最小权限原则授予角色",
            15,
            [
                heading("Only what the job needs"),
                procedure(
                    "Grant a role",
                    step(
                        "<p>Open the user's <b>Roles</b>, tick the role for their job and limit "
                        "its scope to their departments, then <b>Preview permissions</b>.</p>",
                        USER_ROLES,
                        "The preview lists exactly the screens and actions the role allows.",
                    ),
                ),
                warning(
                    "<p>Never “copy from another user”: it copies every extra right that user "
                    "ever collected.</p>"
                ),
                check(
                    "A ward nurse asks for the nurse-manager role to see the rota. What do you do?",
                    [
                        ("Grant it: she is a nurse", False),
                        ("Refuse and point her to the rota view her role already has", True),
                    ],
                    "<p>The manager role allows staff changes and reports she does not need.</p>",
                ),
            ],
        ),
        LessonSpec(
            "leavers-and-audit",
            "Disable leavers and review the audit log",
            "停用离职人员账号并查阅审计日志",
            15,
            [
                heading("Disable, never delete"),
                procedure(
                    "Disable an account and check its use",
                    step(
                        "<p>Open the user, click <b>Disable</b> (停用) and give the reason.</p>",
                        USER_DISABLE,
                        "The account cannot sign in; its history stays in the audit log.",
                    ),
                    step(
                        "<p>Open <b>Audit log</b>, filter by user and period.</p>",
                        AUDIT_LOG,
                        "Every view and change is listed; attempts after disabling show red.",
                    ),
                ),
                check(
                    "Why are accounts disabled rather than deleted?",
                    [
                        ("Deleting is slower", False),
                        ("The audit trail must keep who did what", True),
                    ],
                    "<p>Records signed by the person must still name them.</p>",
                ),
            ],
        ),
    ],
)

ADMIN_REPORTS = CourseSpec(
    slug="reporting-in-the-new-his",
    title="Reporting in the new HIS",
    title_zh="新HIS统计报表",
    roles=("admin",),
    level="basic",
    minutes=30,
    modules="reports, data export",
    summary="<p>Run the standard management reports and export them without leaking patient "
    "data.</p>",
    summary_zh="<p>运行标准管理报表，并在不泄露患者信息的前提下导出。</p>",
    lessons=[
        LessonSpec(
            "run-a-report",
            "Run a standard report",
            "运行标准报表",
            15,
            [
                heading("Reports read the live system"),
                procedure(
                    "Run a report",
                    step(
                        "<p>In <b>Reports</b> (报表), choose the report, set the period and "
                        "campus, and click <b>Run</b> (查询).</p>",
                        REPORT_RUN,
                        "The table and the change against last month appear.",
                    ),
                ),
                tip("<p>Run large reports after 18:00 to keep the clinics fast.</p>"),
                check(
                    "Which period does “vs last month” compare with?",
                    [
                        ("The same days of the previous month", True),
                        ("The same month last year", False),
                    ],
                    "<p>Year-on-year comparison is a separate column in the annual reports.</p>",
                ),
            ],
        ),
        LessonSpec(
            "export-safely",
            "Export and share reports safely",
            "安全导出与共享报表",
            15,
            [
                heading("Masked by default"),
                procedure(
                    "Export a report",
                    step(
                        "<p>Click <b>Export…</b>, keep patient identifiers <b>masked</b> and "
                        "save to the hospital shared drive.</p>",
                        REPORT_EXPORT,
                        "The Excel file has masked names and record numbers.",
                    ),
                ),
                warning("<p>Never send reports with patient data by chat apps or USB sticks.</p>"),
                check(
                    "A department head asks for the list by WeChat. What do you do?",
                    [
                        ("Send it, it is internal", False),
                        ("Save it to the shared drive and send the link", True),
                    ],
                    "<p>The shared drive keeps access controlled and logged.</p>",
                ),
            ],
        ),
    ],
)

COURSES = [
    BASICS,
    DOCTOR_RX,
    DOCTOR_ORDERS,
    NURSE_BCMA,
    NURSE_DOCS,
    CASHIER_BILLING,
    CASHIER_REFUNDS,
    ADMIN_USERS,
    ADMIN_REPORTS,
]

MANUAL_SPEC = {
    "slug": "quick-reference-barcode-medication",
    "title": "Quick reference: barcode medication administration",
    "title_zh": "快速参考：扫码给药与腕带核对",
    "body": [
        text(
            "<p>Every dose is given with two scans at the bedside: the patient's wristband "
            "first, then the medication barcode. Both must show green before you tap "
            "Administered.</p>"
            "<p>每次给药均须在床旁完成两次扫描：先扫描患者腕带，再扫描药品条码。两次均显示绿色后方可点击“已执行”。</p>"
        ),
        procedure(
            "Give a dose · 扫码给药",
            step("<p>Select the due dose · 选择待执行给药</p>", MAR_DUE, "Due doses listed"),
            step("<p>Scan the wristband · 扫描腕带</p>", MAR_WRISTBAND, "Right patient"),
            step(
                "<p>Scan the medication · 扫描药品</p>", MAR_DRUG, "Right drug, dose, route, time"
            ),
            step("<p>Tap Administered · 点击已执行</p>", MAR_GIVEN, "Recorded as given"),
        ),
        warning(
            "<p>Red alert: stop, do not give, call the charge nurse. Never scan a wristband that "
            "is not on the patient.</p><p>出现红色警示：立即停止，不得给药，通知责任组长。"
            "切勿扫描未佩戴在患者身上的腕带。</p>"
        ),
    ],
}

TUTORIAL_SPEC = {
    "slug": "sign-in-and-lock-your-screen",
    "title": "Sign in and lock your screen",
    "title_zh": "登录与锁屏",
    "duration_seconds": 10,
    "summary": "<p>Enter your employee number and password, choose your department and sign in. "
    "Leaving the workstation? Press Win + L or click Lock. Never share your login: every action "
    "is recorded under your name.</p><p>输入工号和密码，选择科室后登录。离开工作站时请按 Win + L "
    "或点击“锁屏”。切勿共用账号：所有操作均以您的名义记录。</p>",
}


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


@transaction.atomic
def build_courses() -> dict:
    """Create (what is missing of) the demo courses, manual and tutorial. Returns counts of
    what was created."""
    from .setup import trainer_permissions_sync

    site_tree_ensure()
    trainer_permissions_sync()  # the catalogue, the help centre and the trainers' rights
    builder = _Builder()
    builder.help_pages()
    for spec in COURSES:
        builder.course(spec)
    return builder.created


class _Builder:
    def __init__(self):
        from content.models import HelpIndexPage

        from .models import CourseIndexPage

        self.catalogue = CourseIndexPage.objects.get()
        self.help_index = HelpIndexPage.objects.get()
        self.trainer = get_user_model().objects.filter(email=TRAINER_EMAIL).first()
        self.collection = self._collection()
        self.roles = {role.code: role for role in JobRole.objects.filter(code__in=ALL_ROLES)}
        self.created = {"courses": 0, "lessons": 0, "help_pages": 0, "images": 0, "documents": 0}
        self.refs: dict[str, object] = {}

    def _collection(self):
        """The demo media's collection; its documents (videos, PDFs) are for signed-in staff."""
        root = Collection.get_first_root_node()
        collection = root.get_children().filter(name=COLLECTION_NAME).first()
        if collection is None:
            collection = root.add_child(name=COLLECTION_NAME)
        CollectionViewRestriction.objects.get_or_create(
            collection=collection, restriction_type=CollectionViewRestriction.LOGIN
        )
        return collection

    # Media ----------------------------------------------------------------------------------

    def image(self, title: str, filename: str, data_factory):
        Image = get_image_model()
        found = Image.objects.filter(title=title).first()
        if found:
            return found
        image = Image(
            title=title,
            collection=self.collection,
            file=ImageFile(BytesIO(data_factory()), name=filename),
        )
        image.save()
        self.created["images"] += 1
        return image

    def screen(self, screen: Screen):
        return self.image(
            f"HIS screen: {screen.key}", f"his-{screen.key}.png", lambda: screen_png(screen)
        )

    def document(self, title: str, filename: str, data_factory):
        Document = get_document_model()
        found = Document.objects.filter(title=title).first()
        if found:
            return found
        document = Document(title=title, collection=self.collection)
        document.file.save(filename, ContentFile(data_factory()), save=False)
        document.file_size = document.file.size
        document.save()
        self.created["documents"] += 1
        return document

    # Help centre ------------------------------------------------------------------------------

    def help_pages(self):
        from content.models import ManualPage, VideoTutorialPage

        video = self.document(
            "Video: sign in and lock your screen",
            "sign-in-and-lock-screen.webm",
            lambda: (MEDIA_DIR / "sign-in-and-lock-screen.webm").read_bytes(),
        )
        poster = self.image(
            "Video poster: sign in and lock your screen",
            "sign-in-and-lock-screen-poster.png",
            lambda: (MEDIA_DIR / "sign-in-and-lock-screen-poster.png").read_bytes(),
        )
        card = self.document(
            "Quick reference card: barcode medication administration",
            "quick-reference-barcode-medication.pdf",
            quick_reference_pdf,
        )
        tutorial = self._child(
            self.help_index,
            VideoTutorialPage,
            TUTORIAL_SPEC["slug"],
            lambda: VideoTutorialPage(**TUTORIAL_SPEC, video=video),
        )
        manual = self._child(
            self.help_index,
            ManualPage,
            MANUAL_SPEC["slug"],
            lambda: ManualPage(
                slug=MANUAL_SPEC["slug"],
                title=MANUAL_SPEC["title"],
                title_zh=MANUAL_SPEC["title_zh"],
                body=self.body(MANUAL_SPEC["body"]),
            ),
        )
        self.refs = {TUTORIAL: tutorial, MANUAL: manual, CARD: card, "video": video}
        self.refs["poster"] = poster

    # Courses ------------------------------------------------------------------------------------

    def course(self, spec: CourseSpec):
        from .models import CoursePage

        def make():
            return CoursePage(
                slug=spec.slug,
                title=spec.title,
                title_zh=spec.title_zh,
                summary=spec.summary,
                summary_zh=spec.summary_zh,
                his_modules=spec.modules,
                estimated_minutes=spec.minutes,
                level=spec.level,
                version=spec.version,
                owner_trainer=self.trainer,
            )

        roles = [self.roles[code] for code in spec.roles if code in self.roles]
        course = self._child(self.catalogue, CoursePage, spec.slug, make, roles=roles)
        for lesson in spec.lessons:
            self.lesson(course, lesson)
        return course

    def lesson(self, course, spec: LessonSpec):
        from .models import LessonPage

        return self._child(
            course,
            LessonPage,
            spec.slug,
            lambda: LessonPage(
                slug=spec.slug,
                title=spec.title,
                title_zh=spec.title_zh,
                estimated_minutes=spec.minutes,
                required=spec.required,
                body=self.body(spec.body),
            ),
        )

    def _child(self, parent, model, slug, make, roles=None):
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing
        page = make()
        parent.add_child(instance=page)
        if roles is not None:
            page.job_roles.set(roles)
        page.save_revision(user=self.trainer).publish(user=self.trainer)
        key = {"CoursePage": "courses", "LessonPage": "lessons"}.get(model.__name__, "help_pages")
        self.created[key] += 1
        return page

    # StreamField data ---------------------------------------------------------------------------

    def body(self, blocks: list) -> list:
        return [(kind, self._value(kind, value)) for kind, value in blocks]

    def _value(self, kind, value):
        if kind == "procedure":
            steps = [
                {
                    "instruction": s["instruction"],
                    "screenshot": self.screen(s["screen"]),
                    "expected": s["expected"],
                }
                for s in value["steps"]
            ]
            return {"title": value["title"], "steps": steps}
        if kind == "image":
            return {"image": self.screen(value["screen"]), "caption": value["caption"]}
        if kind == "video":
            return {
                "video": self.refs["video"],
                "poster": self.refs["poster"],
                "caption": value["caption"],
            }
        if kind == "document":
            return {"document": self.refs[value["document"]], "label": value["label"]}
        if kind == "related_help":
            return {"page": self.refs[value]}
        return value
