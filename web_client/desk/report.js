// The ministry's figures (the statistics tab): a period — a Hijri year, a Gregorian month or a
// range of days — and, per centre of hers and in total, every figure in a table that prints on
// A4 in Arabic, the charts people would rather look at (Chart.js, served from npm), and the
// same figures as a spreadsheet with Arabic headers.

import { t, formatDate, formatNumber, numberLocale } from "/static/shared/i18n.js";
import { api } from "/static/shared/api.js";
import { $, element } from "/static/shared/page.js";
import { centreToday, centreMoment } from "/static/shared/centre_time.js";
import { centreName } from "/static/shared/reference.js";

// [figure, how it is shown]: a count, a number with a decimal, or a share.
const FIGURES = [
  ["visitors", "count"], ["requests_registered", "count"], ["requests_from_women", "count"],
  ["sms_sent", "count"], ["sms_segments", "count"], ["calls_handled", "count"],
  ["satisfaction_average", "decimal"], ["ratings", "count"],
  ["service_minutes_average", "decimal"], ["service_minutes_median", "decimal"],
  ["audiences_held", "count"], ["audience_minutes_average", "decimal"],
  ["no_show_rate", "share"], ["technical_failures", "count"],
  ["safeguarding_alerts", "count"], ["voice_only_audiences", "count"],
  ["quality_measured_audiences", "count"], ["poor_quality_rate", "share"], ["poor_share_median", "share"],
];
const STARS = [1, 2, 3, 4, 5];
const charts = {};
let failed = null;
let shown = null;  // the last report, redrawn when the language changes

export function wireReport(given) {
  failed = given.failed;
  $("report-kind").addEventListener("change", () => showPeriodFields());
  $("report-form").addEventListener("submit", (event) => {
    event.preventDefault();
    refreshReport();
  });
  $("report-print").addEventListener("click", () => window.print());
  const today = centreToday();
  $("report-year").value = currentHijriYear();
  $("report-month").value = today.slice(0, 7);
  $("report-from").value = `${today.slice(0, 8)}01`;
  $("report-to").value = today;
  showPeriodFields();
}

function currentHijriYear() {
  const parts = new Intl.DateTimeFormat("en-u-ca-islamic-umalqura-nu-latn", { year: "numeric", timeZone: "Asia/Riyadh" })
    .formatToParts(new Date());
  return parseInt(parts.find((p) => p.type === "year").value, 10);
}

function showPeriodFields() {
  const kind = $("report-kind").value;
  for (const box of document.querySelectorAll("[data-period]")) box.hidden = box.dataset.period !== kind;
}

function periodQuery() {
  const kind = $("report-kind").value;
  const query = new URLSearchParams({ period: kind });
  if (kind === "hijri_year") query.set("year", $("report-year").value);
  if (kind === "month") query.set("month", $("report-month").value);
  if (kind === "range") {
    query.set("first_day", $("report-from").value);
    query.set("last_day", $("report-to").value);
  }
  return query.toString();
}

export async function refreshReport() {
  $("report-error").textContent = "";
  const query = periodQuery();
  let report, statistics;
  try {
    [report, statistics] = await Promise.all([
      api("GET", `/api/reports/ministry?${query}`),
      api("GET", "/api/statistics"),
    ]);
  } catch (error) {
    return failed("report-error")(error);
  }
  $("report-csv").href = `/api/reports/ministry.csv?${query}`;
  shown = { report, statistics };
  render();
}

export function redrawReport() {
  if (shown) render();
}

function render() {
  const { report, statistics } = shown;
  const { period } = report;
  const first = formatDate(centreMoment(period.first_day, "12:00"), { time: false });
  const last = formatDate(centreMoment(period.last_day, "12:00"), { time: false });
  $("report-period").textContent = t("report.period_shown", { first, last });
  renderTable(report);
  drawCharts(report, statistics);
}

function number(value, how) {
  if (value === null || value === undefined) return "—";
  // The apps' one numeral system (shared/i18n.js), as in every other figure and timer.
  if (how === "share") return formatNumber(value, { style: "percent", maximumFractionDigits: 1 });
  return formatNumber(value, { maximumFractionDigits: how === "decimal" ? 2 : 0 });
}

function renderTable(report) {
  const columns = [...report.centres, report.total];
  const head = $("report-head");
  head.replaceChildren(element("th", { key: "report.figure", attrs: { scope: "col" } }));
  for (const column of columns) {
    head.append(element("th", { text: column.centre ? centreName(column.centre) : t("report.total"), attrs: { scope: "col" } }));
  }
  const rows = $("report-rows");
  rows.replaceChildren();
  // A short period's safeguarding count is withheld by the server (it could point at her).
  const withheld = (figure, value) => figure === "safeguarding_alerts" && value === null;
  const cell = (column, figure, value, how) => element("td", {
    text: withheld(figure, value) ? t("report.safeguarding_month_only") : number(value, how),
    attrs: { "data-centre": column.centre || "total", "data-figure": figure, "data-value": value === null ? "" : String(value) },
  });
  for (const [figure, how] of FIGURES) {
    rows.append(element("tr", {}, [
      element("th", { key: `report.figure.${figure}`, attrs: { scope: "row" } }),
      ...columns.map((column) => cell(column, figure, column[figure], how)),
    ]));
  }
  for (const stars of STARS) {
    rows.append(element("tr", {}, [
      element("th", { text: t("report.figure.stars", { n: stars }), attrs: { scope: "row" } }),
      ...columns.map((column) => cell(column, `stars_${stars}`, column.satisfaction_distribution[stars - 1], "count")),
    ]));
  }
}

function draw(id, config) {
  if (charts[id]) charts[id].destroy();
  const { Chart } = window;  // chart.umd.min.js, served from node_modules (/vendor)
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  charts[id] = new Chart($(id), {
    ...config,
    options: { animation: false, responsive: true, maintainAspectRatio: false, locale: numberLocale(), ...config.options },
  });
}

function drawCharts(report, statistics) {
  const names = report.centres.map((c) => centreName(c.centre));
  draw("chart-centres", {
    type: "bar",
    data: {
      labels: names,
      datasets: ["visitors", "requests_registered", "calls_handled", "audiences_held"].map((figure) => ({
        label: t(`report.figure.${figure}`),
        data: report.centres.map((c) => c[figure]),
      })),
    },
  });
  draw("chart-stars", {
    type: "bar",
    data: {
      labels: STARS.map((n) => t("report.figure.stars", { n })),
      datasets: [{ label: t("report.figure.ratings"), data: report.total.satisfaction_distribution }],
    },
    options: { plugins: { legend: { display: false } } },
  });
  const byStatus = {};
  for (const row of statistics.requests_by_centre_and_status) byStatus[row.status] = (byStatus[row.status] || 0) + row.count;
  draw("chart-status", {
    type: "bar",
    data: {
      labels: Object.keys(byStatus).map((status) => t(`status.${status}`)),
      datasets: [{ label: t("desk.stats.by_status"), data: Object.values(byStatus) }],
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } } },
  });
}
