"""A small, self-contained scenario for the engine tests: `scenario_dict()` returns a fresh dict
to tweak; `scenario()` loads it."""

from assessments.simulation import scenario_load


def text(en, zh="中文"):
    return {"en": en, "zh": zh}


def check(check_id, type_, **fields):
    return {"id": check_id, "description": text(check_id), "type": type_, **fields}


def scenario_dict(**overrides) -> dict:
    data = {
        "format": "readyline-scenario",
        "version": 1,
        "slug": "test-ward",
        "title": text("Test ward"),
        "brief": text("A scenario for the engine tests."),
        "role": "nurse",
        "time_limit_minutes": 20,
        "pass_mark": 80,
        "benchmark_seconds": 300,
        "user": {"username": "li.na", "name": "Li Na"},
        "initial": {
            "departments": [
                {"code": "CARD", "name": text("Cardiology", "心内科")},
                {"code": "ER", "name": "Emergency"},
            ],
            "beds": [
                {"id": "CARD-12", "department": "CARD", "label": "Bed 12"},
                {"id": "CARD-14", "department": "CARD", "label": "Bed 14"},
            ],
            "patients": [
                {
                    "id": "MRN1",
                    "name": "Wang Fang",
                    "dob": "1958-03-14",
                    "sex": "F",
                    "allergies": [
                        {"substance": "Penicillin", "reaction": "rash", "severity": "moderate"}
                    ],
                    "insurance": {"scheme": "UEBMI", "number": "3301", "coverage_percent": 70},
                },
                {
                    "id": "MRN2",
                    "name": "Chen Wei",
                    "dob": "1970-01-02",
                    "sex": "M",
                    "wristband": "BAND2",
                },
            ],
            "encounters": [
                {
                    "id": "E500",
                    "patient": "MRN1",
                    "kind": "inpatient",
                    "department": "CARD",
                    "bed": "CARD-12",
                },
                {"id": "E501", "patient": "MRN2", "kind": "outpatient", "department": "ER"},
            ],
            "formulary": [
                {
                    "code": "AMOX500",
                    "name": "Amoxicillin 500 mg",
                    "class": "penicillin",
                    "allergens": ["penicillin"],
                    "units": ["mg"],
                    "routes": ["PO"],
                    "barcode": "690001",
                },
                {
                    "code": "CEPH1",
                    "name": "Cefalexin 250 mg",
                    "class": "cephalosporin",
                    "allergens": ["cefalexin"],
                    "units": ["mg"],
                    "routes": ["PO"],
                    "barcode": "690002",
                },
                {
                    "code": "CEPH2",
                    "name": "Cefuroxime 250 mg",
                    "class": "Cephalosporin",
                    "units": ["mg"],
                    "routes": ["PO", "IV"],
                    "barcode": "690003",
                },
                {
                    "code": "METO25",
                    "name": "Metoprolol 25 mg",
                    "class": "beta-blocker",
                    "units": ["mg"],
                    "routes": ["PO"],
                    "barcode": "690004",
                },
            ],
            "tests": [
                {"code": "CBC", "name": "Full blood count", "kind": "lab"},
                {"code": "CXR", "name": "Chest X-ray", "kind": "imaging"},
            ],
            "order_sets": [
                {
                    "code": "ADMIT",
                    "name": "Admission",
                    "items": [
                        {"kind": "lab", "test": "CBC"},
                        {
                            "kind": "medication",
                            "drug": "CEPH1",
                            "dose": 250,
                            "unit": "mg",
                            "route": "PO",
                            "frequency": "QID",
                            "duration_days": 5,
                        },
                    ],
                },
                {
                    "code": "BROKEN",
                    "name": "Broken",
                    "items": [
                        {"kind": "lab", "test": "CBC"},
                        {
                            "kind": "medication",
                            "drug": "METO25",
                            "dose": 25,
                            "unit": "g",
                            "route": "PO",
                            "frequency": "BID",
                            "duration_days": 5,
                        },
                    ],
                },
            ],
            "orders": [
                {
                    "id": "O900",
                    "encounter": "E500",
                    "kind": "medication",
                    "drug": "METO25",
                    "dose": 25,
                    "unit": "mg",
                    "route": "PO",
                    "frequency": "BID",
                    "duration_days": 7,
                },
                {
                    "id": "O901",
                    "encounter": "E501",
                    "kind": "medication",
                    "drug": "CEPH2",
                    "dose": 250,
                    "unit": "mg",
                    "route": "PO",
                    "frequency": "BID",
                    "duration_days": 3,
                },
            ],
            "price_list": [
                {"code": "REG", "name": "Registration fee", "price": 20.0},
                {"code": "XRAY", "name": "X-ray", "price": 136.0},
            ],
            "charges": [
                {"id": "C900", "encounter": "E500", "code": "REG", "quantity": 1},
                {"id": "C901", "encounter": "E500", "code": "XRAY", "quantity": 1},
                {"id": "C902", "encounter": "E501", "code": "REG", "quantity": 2},
            ],
            "payments": [
                {
                    "id": "R900",
                    "encounter": "E501",
                    "method": "cash",
                    "total": 100.0,
                    "insurance_share": 0,
                    "patient_share": 100.0,
                    "amount": 100.0,
                    "charges": [],
                }
            ],
            "roles": [
                {"code": "ward_nurse", "name": "Ward nurse", "permissions": ["mar.administer"]},
                {
                    "code": "billing_supervisor",
                    "name": "Billing supervisor",
                    "permissions": ["billing.refund.authorise"],
                },
                {"code": "cashier", "name": "Cashier", "permissions": ["billing.take"]},
            ],
            "users": [
                {
                    "username": "zhao.min",
                    "name": "Zhao Min",
                    "department": "CARD",
                    "roles": ["billing_supervisor"],
                    "active": True,
                    "pin": "4821",
                },
                {
                    "username": "sun.li",
                    "name": "Sun Li",
                    "department": "CARD",
                    "roles": ["cashier"],
                    "pin": 1111,
                },
                {
                    "username": "li.na",
                    "name": "Li Na",
                    "department": "CARD",
                    "roles": ["billing_supervisor"],
                    "pin": "9999",
                },
                {
                    "username": "old.boss",
                    "name": "Old Boss",
                    "department": "CARD",
                    "roles": ["billing_supervisor"],
                    "active": False,
                    "pin": "2222",
                },
            ],
        },
        "tasks": [
            {
                "id": "allergy",
                "instruction": text("Handle the allergy."),
                "weight": 2,
                "checks": [
                    check(
                        "not-signed",
                        "not_exists",
                        collection="orders",
                        where={"drug": "AMOX500", "status": {"in": ["signed"]}},
                        critical=True,
                    ),
                    check("alert-handled", "alert", where={"kind": "allergy"}, handled="accepted"),
                ],
            },
            {
                "id": "mar",
                "instruction": text("Give the metoprolol."),
                "checks": [
                    check(
                        "given",
                        "exists",
                        collection="administrations",
                        where={"order": "O900", "outcome": "given", "patient_verified": True},
                    ),
                    check(
                        "scan-first",
                        "action",
                        action={"type": "scan_wristband"},
                        before={"type": "administer"},
                        weight=2,
                    ),
                ],
            },
        ],
    }
    data.update(overrides)
    return data


def scenario(**overrides):
    return scenario_load(scenario_dict(**overrides))
