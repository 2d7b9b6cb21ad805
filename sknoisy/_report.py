"""The audit report: one self-contained HTML page for the person who reviews.

Written for someone who does not code: the numbers that matter first, then
pictures, then the rows to look at. Everything is inside the one file (the
plots are embedded PNG images, the styles are inline), so it opens in any
browser without a network and can be mailed around. Every string that came
from the user's file is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ._audit import REVIEW_COLUMN, AuditResult

__all__ = ["build_report", "noise_matrix"]

# Classes shown in the heatmap; beyond this the cells are too small to read.
_MAX_HEATMAP_CLASSES = 20

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial,
  sans-serif; color: #1f2328; background: #fff; margin: 0; line-height: 1.5; }
main { max-width: 960px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.25em; margin: 1.8em 0 0.4em; border-bottom: 1px solid #d0d7de;
  padding-bottom: 0.2em; }
p.lead { color: #57606a; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { flex: 1 1 150px; border: 1px solid #d0d7de; border-radius: 8px;
  padding: 10px 14px; background: #f6f8fa; }
.card .value { font-size: 1.6em; font-weight: 600; }
.card .label { color: #57606a; font-size: 0.9em; }
.card.alert { background: #fff8c5; border-color: #d4a72c; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 0.92em; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
figcaption { color: #57606a; font-size: 0.9em; max-width: 760px; }
code { background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
pre { background: #f6f8fa; padding: 10px 12px; border-radius: 6px;
  overflow-x: auto; }
.note { border-left: 4px solid #d4a72c; background: #fff8c5; padding: 6px 12px;
  margin: 8px 0; }
"""


def _text(value) -> str:
    """A label or cell as plain text, without numpy's type wrapper."""
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def _e(value) -> str:
    return html.escape(_text(value), quote=True)


def _png(figure) -> str:
    """``<img>`` with the figure embedded as a base64 PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def noise_matrix(result: AuditResult) -> pd.DataFrame:
    """Rows per given label (index) and the label the audit would give them.

    A suspect counts under its suggested label, every other row under its
    given one, so the diagonal holds the rows whose label stands and the
    rest of each row shows where that class's suspect labels probably
    belong.

    Parameters
    ----------
    result : AuditResult
        A finished audit.

    Returns
    -------
    counts : DataFrame of shape (n_classes, n_classes)
        Index and columns are the classes in sorted order.
    """
    issues = result.issues
    given = issues["given_label"].to_numpy()
    after = np.where(
        issues["is_label_issue"].to_numpy(), issues["suggested_label"].to_numpy(), given
    )
    classes = list(result.classes)
    codes = {c: k for k, c in enumerate(classes)}
    counts = np.zeros((len(classes), len(classes)), dtype=int)
    np.add.at(counts, ([codes[g] for g in given], [codes[a] for a in after]), 1)
    names = [_text(c) for c in classes]
    return pd.DataFrame(counts, index=names, columns=names)


def _heatmap(result: AuditResult) -> tuple[str, str]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    counts = noise_matrix(result)
    omitted = ""
    if len(counts) > _MAX_HEATMAP_CLASSES:
        off = counts.to_numpy().sum(axis=1) - np.diag(counts.to_numpy())
        keep = np.sort(np.argsort(-off, kind="stable")[:_MAX_HEATMAP_CLASSES])
        counts = counts.iloc[keep, keep]
        omitted = (
            f" Only the {_MAX_HEATMAP_CLASSES} classes with the most suspects are "
            f"shown, of {len(result.classes)}."
        )
    values = counts.to_numpy()
    share = values / np.maximum(values.sum(axis=1, keepdims=True), 1)
    off_diagonal = np.ma.masked_array(share, mask=np.eye(len(share), dtype=bool))

    n = len(counts)
    size = min(9.0, max(4.5, 0.55 * n + 2.5))
    figure = Figure(figsize=(size + 1.2, size))
    ax = figure.subplots()
    ax.imshow(np.eye(n), cmap="Greys", vmin=0, vmax=6)
    top = float(off_diagonal.max()) if off_diagonal.count() else 0.0
    image = ax.imshow(off_diagonal, cmap="Reds", vmin=0, vmax=max(top, 1e-9))
    colorbar = figure.colorbar(
        image, ax=ax, fraction=0.046, pad=0.04, format=PercentFormatter(1.0)
    )
    colorbar.set_label("share of the given label's rows")
    if n <= 15:
        for i in range(n):
            for j in range(n):
                if values[i, j]:
                    dark = i != j and share[i, j] > 0.6 * top
                    ax.text(
                        j,
                        i,
                        str(values[i, j]),
                        ha="center",
                        va="center",
                        fontsize=10,
                        color="white" if dark else "black",
                    )
    labels = [_shorten(c) for c in counts.columns]
    ax.set_xticks(
        range(n), labels, rotation=45 if n > 6 else 0, ha="right" if n > 6 else "center"
    )
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("suggested label (given label where the row is no suspect)")
    ax.set_ylabel(f"given label ({_shorten(result.target, 30)})")
    ax.set_title("Where the suspect labels probably belong")
    caption = (
        "Each row of the grid is one given label. The grey diagonal counts the "
        "rows whose label stands; a red cell counts the suspects with that given "
        "label for which the model expects the column's label instead. Darker "
        "red means a larger share of the class." + omitted
    )
    return _png(figure), caption


def _shorten(text, limit: int = 18) -> str:
    """A label for a plot: cut to ``limit`` characters, ``$`` taken literally."""
    text = _text(text)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    # Two dollar signs would make matplotlib parse the label as mathematics.
    return text.replace("$", r"\$")


def _histogram(result: AuditResult) -> tuple[str, str]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    quality = result.issues["label_quality"].to_numpy()
    is_issue = result.issues["is_label_issue"].to_numpy()
    bins = np.linspace(0.0, 1.0, 41)
    figure = Figure(figsize=(7.5, 4.0))
    ax = figure.subplots()
    ax.hist(
        [quality[~is_issue], quality[is_issue]],
        bins=bins,
        stacked=True,
        color=["#4c78a8", "#e45756"],
        label=["not a suspect", "suspect"],
    )
    caption = (
        "How much the model trusts each row's label, from 0 (not at all) to 1 "
        "(fully). Suspects are red."
    )
    if is_issue.any():
        cut = float(quality[is_issue].max())
        ax.axvline(
            cut,
            color="black",
            linestyle="--",
            linewidth=1.2,
            label=f"highest quality among suspects ({cut:.2f})",
        )
        caption += (
            " The dashed line marks the highest label quality among the "
            "suspects: every suspect lies at or left of it, and rows left of it "
            "that are not suspects were judged doubtful but not wrong enough."
        )
    ax.set_xlabel("label quality")
    ax.set_ylabel("rows")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, 1)
    ax.set_title("Label quality of every row")
    # Below the axes: the bars of trusted rows pile up under any corner.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3, frameon=False)
    return _png(figure), caption


def _curves(result: AuditResult) -> tuple[str, str] | None:
    if result.stopper is None:
        return None
    from matplotlib.figure import Figure

    from ._plotting import plot_loss_curves

    figure = Figure(figsize=(7.5, 4.0))
    plot_loss_curves(result.stopper, ax=figure.subplots())
    caption = (
        "While a network learns, the loss of the rows it trains on keeps "
        "falling; the loss of held-out rows stops falling once it starts to "
        "learn the wrong labels by heart. The audit ranked the rows by how "
        "the network judged them up to that point."
    )
    return _png(figure), caption


def _figure(img: str, caption: str) -> str:
    return f"<figure>{img}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _cards(result: AuditResult) -> str:
    n_rows = len(result.issues)
    n_suspects = int(result.issues["is_label_issue"].sum())
    share = n_suspects / n_rows if n_rows else 0.0
    cards = [
        ("rows", f"{n_rows:,}", ""),
        ("classes", f"{len(result.classes):,}", ""),
        ("feature columns used", f"{len(result.plan.columns):,}", ""),
        ("suspect labels", f"{n_suspects:,}", " alert" if n_suspects else ""),
        ("estimated share of wrong labels", f"{share:.1%}", ""),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card{extra}"><div class="value">{html.escape(value)}</div>'
            f'<div class="label">{html.escape(label)}</div></div>'
            for label, value, extra in cards
        )
        + "</div>"
    )


def _class_table(result: AuditResult) -> str:
    issues = result.issues
    rows = []
    for label in result.classes:
        mine = issues[issues["given_label"] == label]
        flagged = mine[mine["is_label_issue"]]
        common = flagged["suggested_label"].value_counts()
        likely = (
            ", ".join(f"{_e(k)} ({v})" for k, v in common.head(3).items())
            if len(common)
            else "–"
        )
        rate = len(flagged) / len(mine) if len(mine) else 0.0
        rows.append(
            f"<tr><td>{_e(label)}</td><td class='num'>{len(mine):,}</td>"
            f"<td class='num'>{len(flagged):,}</td><td class='num'>{rate:.1%}</td>"
            f"<td>{likely}</td></tr>"
        )
    return (
        "<table><thead><tr><th>given label</th><th>rows</th><th>suspects</th>"
        "<th>estimated noise rate</th><th>suspects probably belong to</th></tr>"
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _suspect_table(result: AuditResult, top: int) -> str:
    suspects = result.suspects.head(top)
    header = [
        "rank",
        result.id_column,
        "given label",
        "suggested label",
        "label quality",
    ]
    body = []
    for _, row in suspects.iterrows():
        body.append(
            "<tr>"
            f"<td class='num'>{_e(row['rank'])}</td>"
            f"<td class='num'>{_e(row[result.id_column])}</td>"
            f"<td>{_e(row['given_label'])}</td>"
            f"<td>{_e(row['suggested_label'])}</td>"
            f"<td class='num'>{row['label_quality']:.3f}</td>"
            "</tr>"
        )
    return (
        '<table class="suspects"><thead><tr>'
        + "".join(f"<th>{_e(h)}</th>" for h in header)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def _settings_table(result: AuditResult) -> str:
    plan = result.plan
    rows = [
        ("file", result.source or "–"),
        ("target column", result.target),
        (
            "row id",
            result.id_column
            if result.id_column != "row"
            else "row: 0-based number of the data row (the header is not counted)",
        ),
        (
            "numeric columns (missing cells filled with the median, standardised)",
            ", ".join(plan.numeric) or "none",
        ),
        ("category columns (one-hot encoded)", ", ".join(plan.categorical) or "none"),
        ("encoded width", f"{result.n_encoded} numbers per row"),
        *result.settings.items(),
        ("time taken", f"{result.seconds:.1f} s"),
    ]
    return (
        "<table><tbody>"
        + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
        + "</tbody></table>"
    )


def _notes(result: AuditResult) -> str:
    by_reason: dict[str, list[str]] = {}
    for name, reason in result.plan.left_out.items():
        by_reason.setdefault(reason, []).append(name)
    notes = []
    for reason, names in by_reason.items():
        listed = ", ".join(f"<strong>{_e(n)}</strong>" for n in names)
        what = "Column" if len(names) == 1 else "Columns"
        verb = "was" if len(names) == 1 else "were"
        notes.append(f"{what} {listed} {verb} left out: {_e(reason)}.")
    notes += [
        f"Column <strong>{_e(name)}</strong> holds numbers, but {count} cell(s) "
        "are not; they "
        "were treated as missing."
        for name, count in result.plan.bad_numbers.items()
    ]
    return "".join(f'<p class="note">{note}</p>' for note in notes)


def build_report(
    result: AuditResult,
    *,
    top: int = 50,
    apply_command: str | None = None,
) -> str:
    """The audit report as one self-contained HTML page.

    Parameters
    ----------
    result : AuditResult
        A finished audit.
    top : int, default=50
        Suspects listed in the table (all are in ``suspects.csv``).
    apply_command : str, default=None
        The ``sknoisy apply`` command line to show under "Next steps".

    Returns
    -------
    html : str
        The page; no external resources, user strings escaped.
    """
    n_suspects = int(result.issues["is_label_issue"].sum())
    title = f"Label audit of {result.source or 'the table'}"
    sections = [
        f"<h1>{_e(title)}</h1>",
        '<p class="lead">Every row\'s label in the column '
        f"<strong>{_e(result.target)}</strong> was compared with what a model, "
        "trained without that row, expects. Rows whose label the model "
        "strongly disagrees with are <em>suspects</em>: likely, not certainly, "
        "wrong. A person should look at them before anything is changed.</p>",
        _cards(result),
        _notes(result),
        "<h2>Suspects per class</h2>",
        "<p>The estimated noise rate of a class is the share of its rows that "
        "are suspects.</p>",
        _class_table(result),
        "<h2>Which labels get mixed up</h2>",
        _figure(*_heatmap(result)),
        "<h2>How sure the model is of each label</h2>",
        _figure(*_histogram(result)),
    ]
    curves = _curves(result)
    if curves is not None:
        sections += ["<h2>Training and validation loss</h2>", _figure(*curves)]

    shown = min(top, n_suspects)
    sections.append("<h2>Top suspects</h2>")
    if n_suspects:
        sections += [
            f"<p>The {shown} most suspicious of {n_suspects} suspects, least "
            "trustworthy first. All of them, with each row's data, are in "
            "<code>suspects.csv</code>.</p>",
            _suspect_table(result, top),
        ]
    else:
        sections.append("<p>No suspects: every label agrees with the model.</p>")

    sections += [
        "<h2>Next steps</h2>",
        "<ol><li>Open <code>suspects.csv</code> in a spreadsheet.</li>"
        f"<li>For each row you check, write in <code>{REVIEW_COLUMN}</code> the "
        "correct label, or <code>drop</code> to remove the row. Leave it empty "
        "to keep the given label.</li>"
        "<li>Save it as CSV and merge your decisions into a new copy of the data "
        "(the original file is never changed):</li></ol>",
        f"<pre>{_e(apply_command)}</pre>" if apply_command else "",
        "<h2>How the audit was run</h2>",
        _settings_table(result),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
        "<body><main>" + "\n".join(sections) + "</main></body></html>\n"
    )


def write_report(html_text: str, path: str | Path) -> None:
    """Write the page as UTF-8."""
    Path(path).write_text(html_text, encoding="utf-8")
