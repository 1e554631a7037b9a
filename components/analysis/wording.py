"""How numbers and study facts read to a clinician: time in the unit the source used, doses in
scientific notation with a ×, the design with what it really compared, and each outcome as a
sentence ("SLEDAI: MSC 12 → 4 vs control 10 → 8 at 6 months, p < 0.05 between groups").

One place for these choices, so every page says them the same way. Pure: strings in, strings out.
"""

from __future__ import annotations

import math

import pandas as pd

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
UNIT_WORDS = {
    "days": ("day", "days"),
    "weeks": ("week", "weeks"),
    "months": ("month", "months"),
    "years": ("year", "years"),
}
CONTROL_WORDS = {
    "placebo": "placebo",
    "standard_care": "usual care alone",
    "active_comparator": "another treatment",
    "msc_regimen": "another MSC regimen",
    "unknown": "a control not described",
}
CONTRAST_WORDS = {
    "after_vs_before": "after treatment versus before, in the treated patients",
    "msc_vs_control": "MSC group versus control group",
    "responders_vs_nonresponders": "responders versus non-responders (not an effect of MSC)",
    "other": "another comparison (see note)",
}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value == ""


def number(value) -> str:
    """A number as printed: no trailing zeros, no exponent for ordinary values."""
    if missing(value):
        return ""
    value = float(value)
    if value == int(value) and abs(value) < 1e7:
        return str(int(value))
    return f"{value:.4g}"


def signed(value) -> str:
    """+14 or −2.1, with a true minus sign."""
    return f"{float(value):+g}".replace("-", "−")


def time_text(value, unit: str) -> str:
    """'48 weeks', '1 month', '1.8 years'; '' when the source gave no time."""
    if missing(value) or not unit:
        return ""
    singular, plural = UNIT_WORDS.get(unit, (unit, unit))
    return f"{number(value)} {singular if float(value) == 1 else plural}"


def scientific(value) -> str:
    """1000000 -> '1 × 10⁶'; 25000000 -> '2.5 × 10⁷'; small numbers as they are."""
    if missing(value):
        return ""
    value = float(value)
    if value < 10_000:
        return number(value)
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10**exponent, 3)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    head = "" if mantissa == 1 else f"{mantissa:g} × "
    return f"{head}10{str(exponent).translate(SUPERSCRIPTS)}"


def dose_text(per_kg, total, as_reported: str = "") -> str:
    """The dose per infusion: per kg when the study gave it, else the fixed number, else its words."""
    if not missing(per_kg):
        return f"{scientific(per_kg)} cells/kg"
    if not missing(total):
        return f"{scientific(total)} cells"
    return as_reported or ""


def patients_text(n_msc, n_control, n_total, controlled: bool) -> str:
    if not missing(n_msc) and controlled and not missing(n_control):
        return f"{number(n_msc)} on MSC, {number(n_control)} controls"
    if not missing(n_msc):
        return f"{number(n_msc)} on MSC" + (", controls not reported" if controlled else "")
    if not missing(n_total):
        return f"{number(n_total)} in all (arms not reported)"
    return "number treated not reported"


def design_text(design_label: str, control_type: str, control: str, blinded: str, controlled: bool) -> str:
    """'Randomised controlled trial versus placebo, blinded'. A comparison of two MSC regimens says
    so: it has no control group that went without MSC."""
    if not controlled:
        return design_label
    if control_type == "msc_regimen":
        text = (
            f"{design_label} comparing MSC regimens ({control})"
            if control
            else f"{design_label} comparing MSC regimens"
        )
        return text + " — no control group without MSC"
    if control_type == "active_comparator" and control:
        versus = control[0].lower() + control[1:] if control[1:2].islower() else control
    else:
        versus = CONTROL_WORDS.get(control_type, "") or control or "a control not described"
    blinding = {"yes": ", blinded", "no": ", open label"}.get(blinded, "")
    return f"{design_label} versus {versus}{blinding}"


SHORT_DESIGNS = {
    "rct": "RCT",
    "non_randomised_controlled": "Non-randomised controlled",
    "single_arm": "Single-arm",
    "case_series": "Case series",
    "case_report": "Case report",
}
SHORT_CONTROLS = {
    "placebo": "placebo",
    "standard_care": "usual care",
    "active_comparator": "active treatment",
    "msc_regimen": "other MSC regimen",
    "unknown": "control",
}


def short_design(design: str, control_type: str, controlled: bool) -> str:
    """'RCT vs placebo', 'Single-arm': the design as a table column can hold it."""
    name = SHORT_DESIGNS.get(design, design)
    if not controlled:
        return name
    return f"{name} vs {SHORT_CONTROLS.get(control_type, 'control')}"


def p_text(p_value: str, compares: str) -> str:
    if missing(p_value):
        return ""
    value = str(p_value).strip()
    if value[:1].isdigit() or value[:1] in "<>=≤≥.":
        value = "p " + value.replace("<=", "≤").replace(">=", "≥").replace("<", "< ").replace(">", "> ").replace(
            "  ", " "
        )
    where = {"between_groups": " between groups", "within_group": " from baseline"}.get(compares, "")
    return value + where


def _arm(baseline, followup, change, responders, responders_pct, n, unit: str) -> str:
    if not missing(responders) and not missing(n) and float(n) > 0:
        return f"{number(responders)}/{number(n)} responded ({100 * float(responders) / float(n):.0f}%)"
    if not missing(responders_pct):
        return f"{number(responders_pct)}% responded"
    if not missing(baseline) and not missing(followup):
        return f"{number(baseline)} → {number(followup)}{unit}"
    if not missing(change):
        return f"change {signed(change)}{unit}"
    if not missing(followup):
        return f"{number(followup)}{unit} at follow-up"
    return ""


DIRECTION_WORDS = {
    "improved": "improved",
    "no_change": "did not change",
    "worsened": "worsened",
    "unclear": "values given without saying whether they changed",
}
VERSUS_WORDS = {
    "better": "better than control",
    "no_difference": "no different from control",
    "worse": "worse than control",
}


def outcome_text(row: pd.Series, unit: str) -> str:
    """One outcome row as a sentence without its measure name: 'MSC 12 → 4 vs control 10 → 8 at
    6 months, p < 0.05 between groups' or, without numbers, 'improved, better than control'."""
    shown_unit = f" {row['unit'] or unit}".rstrip() if (row.get("unit") or unit) else ""
    msc = _arm(
        row["baseline"], row["followup"], row["change"], row["responders"], row["responders_pct"], row["n"], shown_unit
    )
    control = _arm(
        row["control_baseline"],
        row["control_followup"],
        row["control_change"],
        row["control_responders"],
        row["control_responders_pct"],
        row["control_n"],
        shown_unit,
    )
    parts = []
    if msc:
        parts.append(f"MSC {msc}" + (f" vs control {control}" if control else ""))
    elif not (row.get("vs_control") and row["direction"] == "unclear"):
        parts.append(DIRECTION_WORDS.get(row["direction"], ""))
    if row.get("vs_control"):
        parts.append(VERSUS_WORDS.get(row["vs_control"], ""))
    elif msc and row["direction"] in ("no_change", "worsened"):
        parts.append(DIRECTION_WORDS[row["direction"]])
    when = time_text(row["timepoint"], row["timepoint_unit"])
    text = ", ".join(p for p in parts if p)
    text += f" at {when}" if when else " (time not reported)"
    if p := p_text(row.get("p_value", ""), row.get("p_value_compares", "")):
        text += f", {p}"
    if not missing(row.get("n")) and msc and "responded" not in msc:
        text += f" (n = {number(row['n'])})"
    return text
