"""The hostile-input corpus (issue 14): values of every class a form or query parameter may get.

`CORPUS` is every value, with variations; `SAMPLES` one or two values of each class, for the tests
that send values through the pages (a request each) while the whole corpus runs through the forms.
"""

BASE = [
    "",
    " ",
    "\t\n",
    "a" * 129,
    "a" * 5000,
    "0",
    "-1",
    "1e309",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # RTL override
    "שלום",
    "مرحبا",
    "😀🔥💥",
    "e\u0301\u0301\u0301",  # combining marks
    "\ufeffbom",
    "\u2028line",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "' OR 1=1 --",
    "'; DROP TABLE workspaces_workspacedraft; --",
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "/etc/passwd",
    "C:\\Windows\\system32",
    "%00",
    "%s%s%s%n",
    "\r\nX-Injected: yes",
    "a,b,c",
    "key:value:extra",
    "=cmd|' /C calc'!A0",
    "1; sleep 10",
    "name,ASC",
    "updated,DESC;drop",
    "pat.AcmeDemoAcct01.x.y",
    "a" * 128,
    "_",
    "-",
    ".",
    "..",
    "con",
    "a b",
    "a\tb",
    "\\",
    "`id`",
    "$(id)",
    "|| true",
    "<svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "%3Cscript%3E",
    "𝕒𝕓𝕔",
    "ＡＢＣ",
    "ǅ",
    "İ",
    "\u0000",
]
# Classes of values (issue 14), each spread over several spellings rather than one value.
NON_FINITE_NUMBERS = [
    "nan",
    "-nan",
    "inf",
    "-inf",
    "+Infinity",
    "1e999",
    "-1e999",
    "9" * 400,
    "1.0e+309",
    "0x1p1024",
    "1e-999",
]
DOT_SEGMENTS = ["...", "./", "../", "./.", ".%2e", "%2e", "%2E%2E", "\u2024\u2024", "\uff0e\uff0e"]
# Keys that are almost right: a non-ASCII letter, an invisible character or a missing part.
ALMOST_KEYS = [
    "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.été00000000",
    "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.secret\u200b",
    "pat.AcmeＤemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.secret0000",
    "sat.AcmeDemoAcct01..secret0000",
    "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8",
    "pat.<script>.x.y",
]
BASE += NON_FINITE_NUMBERS + DOT_SEGMENTS + ALMOST_KEYS
# Variations multiply the corpus: each base value alone, padded, and as a prefix.
CORPUS = list(
    dict.fromkeys(
        BASE + [f"  {v}  " for v in BASE] + [f"{v}x" for v in BASE] + ["ok_" + v for v in BASE]
    )
)
# One or two values of each class: what goes through the real pages (views, templates, the fake
# Harness over HTTP) where the whole corpus runs through the forms.
SAMPLES = {
    "empty or blank": ["", "\t\n"],
    "too long": ["a" * 129, "a" * 5000],
    "NUL": ["a\x00b"],
    "control characters": ["\r\nX-Injected: yes"],
    "non-finite numbers": ["1e309", "NaN"],
    "markup": ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'],
    "template syntax": ["{{ 7*7 }}"],
    "right-to-left, combining, emoji": ["\u202eevil\u202c", "e\u0301\u0301\u0301", "😀🔥💥"],
    "path traversal and dot segments": ["../../etc/passwd", ".."],
    "SQL and shell": ["'; DROP TABLE workspaces_workspacedraft; --", "$(id)"],
    "almost a key": ["pat.<script>.x.y"],
}
SAMPLE_VALUES = [value for values in SAMPLES.values() for value in values]
# The fields of each wizard step a POST may carry (formset rows by their posted names).
STEP_FIELDS = {
    "basics": ["name", "identifier", "description", "tag-0-key", "tag-0-value", "tag-TOTAL_FORMS"],
    "template": [
        "source",
        "template_ref",
        "template_version",
        "template_mode",
        "template_mode_of",
        "clone_identifier",
    ],
    "repository": [
        "connector",
        "repository",
        "fetch_type",
        "branch",
        "tag",
        "commit",
        "path",
        "submodules",
    ],
    "provisioner": [
        "provisioner",
        "version",
        "aws",
        "gcp",
        "cost_estimation_enabled",
        "budget",
    ],
    "variables": [
        "terraform-0-key",
        "terraform-0-value",
        "terraform-0-value_type",
        "terraform-TOTAL_FORMS",
        "environment-0-key",
        "environment-0-value",
        "environment-0-value_type",
        "paste_text",
        "paste_group",
    ],
}
