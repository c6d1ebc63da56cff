// The HTML reports (html_report.hpp, docs/report.md).
//
// Page rules, kept by every function below:
// - Self-contained: inline <style>, inline <svg>, no URL other than in-page
//   anchors; a Content-Security-Policy meta tag makes the browser refuse any
//   fetch, so a regression cannot silently load something.
// - Without JavaScript everything is there; the inline script only adds
//   column sorting and a "drifted only" filter.
// - Colour-blind-safe Okabe-Ito colours, and never colour alone: reference
//   bars are filled, current bars outlined; the reference ECDF is solid, the
//   current one dashed; verdicts are words with a shape (▲ drift, ✓ ok).
// - Every <svg> has a <title> (role="img"), every bar group its own <title>
//   (the exact counts, shown as a tooltip).
// - Bounded size: at most drift_limits::ecdf_points corners per ECDF and
//   drift_limits::top_categories categories per feature, coordinates with one
//   decimal.
// - Valid UTF-8 text: a stray byte of a qid, name or path reads as Latin-1, as
//   in the JSON output (escape_into).
#include "html_report.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <utility>

#include <driftwatch/core/version.hpp>

#include "drift_json.hpp"  // utf8_clean
#include "format.hpp"

namespace driftwatch_cli {
namespace html_report {
namespace {

// ------------------------------------------------------------------ text

// The page is UTF-8: a byte that is not part of a well-formed UTF-8 sequence
// (a Latin-1 qid, name or path) is read as Latin-1, the rule of the JSON
// output (utf8_clean), so the page and the JSON name the same thing; the
// browser would show U+FFFD for it.
void escape_into(std::string& out, const std::string& raw) {
  const bool ascii = std::all_of(raw.begin(), raw.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  const std::string cleaned = ascii ? std::string() : utf8_clean(raw);
  const std::string& s = ascii ? raw : cleaned;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // Control characters other than tab/newline are not allowed in HTML text.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') out += "\xEF\xBF\xBD";  // U+FFFD
        else out += c;
    }
  }
}

std::string esc(const std::string& s) {
  std::string out;
  escape_into(out, s);
  return out;
}

/// A coordinate: one decimal, no trailing ".0".
void coord(std::string& out, double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, std::round(v * 10) / 10, std::chars_format::fixed, 1);
  std::size_t n = static_cast<std::size_t>(r.ptr - buf);
  if (n >= 2 && buf[n - 1] == '0' && buf[n - 2] == '.') n -= 2;
  if (n == 2 && buf[0] == '-' && buf[1] == '0') { buf[0] = '0'; n = 1; }
  out.append(buf, n);
}

std::string pct(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * p);
  return buf;
}

std::string g3(double x) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "+\xE2\x88\x9E" : "\xE2\x88\x92\xE2\x88\x9E";  // +inf, -inf
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

/// Full precision for data-* attributes the tests read back.
std::string exact(double x) { return std::isfinite(x) ? shortest(x) : std::string(std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf")); }

const char* verdict_class(verdict v) {
  switch (v) {
    case verdict::drift: return "drift";
    case verdict::ok: return "ok";
    case verdict::not_available: return "na";
    case verdict::informational: return "info";
  }
  return "info";
}

/// A feature's verdict: drift when it drifted; n/a when it could not be
/// compared or has too few current values to trust a "no drift" (the text
/// report's INSUFFICIENT DATA; the gate fails closed); ok otherwise.
verdict feature_verdict(const drift_feature& f) {
  if (f.drift) return verdict::drift;
  return !f.invalid_reason.empty() || f.insufficient ? verdict::not_available : verdict::ok;
}

const char* verdict_text(verdict v) {
  switch (v) {
    case verdict::drift: return "\xE2\x96\xB2 drift";        // ▲
    case verdict::ok: return "\xE2\x9C\x93 ok";              // ✓
    case verdict::not_available: return "\xE2\x80\x93 n/a";  // –
    case verdict::informational: return "\xC2\xB7 no test";  // ·
  }
  return "";
}

// ------------------------------------------------------------------ page

const char* const page_style = R"CSS(
:root{--ref:#0072B2;--cur:#D55E00;--ok:#007A5A;--drift:#B34700;--na:#5F5F5F;--line:#d0d0d0}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:1120px;padding:12px 16px}
h1{font-size:1.45em;margin:.3em 0}h2{font-size:1.2em;margin:1.2em 0 .4em;border-bottom:1px solid var(--line)}
h3{font-size:1.08em;margin:0 0 .4em;overflow-wrap:anywhere}
code{font-size:.92em;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.3em 0}
th,td{padding:3px 9px;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.sortable th{cursor:pointer}
.big{font-size:1.35em;font-weight:600}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:4px 18px;margin:.4em 0}
.facts div{border-left:3px solid var(--line);padding-left:8px}
.feature{border:1px solid var(--line);border-left:7px solid var(--ok);border-radius:4px;padding:8px 12px;margin:14px 0}
.feature.drift{border-left-color:var(--drift);border-left-style:double;border-left-width:9px}
.feature.na{border-left-color:var(--na);border-left-style:dashed}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:10px 18px}
.plots.many{grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}
figure{margin:0;min-width:0;max-width:560px}
figcaption{font-size:.85em;color:#444}
svg{width:100%;height:auto;display:block}
svg text{font:10px system-ui,sans-serif;fill:#333;text-anchor:middle}
svg text.s{text-anchor:start}svg text.e{text-anchor:end}
svg .r{fill:#0072B2;fill-opacity:.5}svg .c{fill:none;stroke:#D55E00;stroke-width:2}svg .a{stroke:#888;stroke-width:1}
svg path{fill:none;stroke-width:1.8}svg path.ref{stroke:#0072B2}svg path.cur{stroke:#D55E00;stroke-dasharray:5 3}
.v{font-weight:600;white-space:nowrap}
.v.drift{color:var(--drift)}.v.ok{color:var(--ok)}.v.na{color:var(--na);white-space:normal}.v.info{color:#555;font-weight:400}
.badge{display:inline-block;padding:0 7px;border-radius:3px;color:#fff;font-size:.82em;font-weight:700;vertical-align:middle}
.badge.drift{background:var(--drift)}.badge.ok{background:var(--ok)}.badge.na{background:var(--na)}
.counts{font-size:.9em;color:#333;margin:.3em 0}
.note{font-size:.9em;color:#444}
.key{display:inline-block;width:22px;height:10px;vertical-align:middle;margin:0 4px 0 10px}
.key.ref{background:var(--ref);opacity:.55}.key.cur{border:2px solid var(--cur)}
.key.refl{border-top:2px solid var(--ref);height:0}.key.curl{border-top:2px dashed var(--cur);height:0}
.only-drift .feature:not(.drift),.only-drift tr.notdrift{display:none}
@media (max-width:600px){body{padding:8px;font-size:14px}th,td{padding:2px 5px}.plots{grid-template-columns:1fr}}
@media print{.feature{break-inside:avoid}}
)CSS";

const char* const page_script = R"JS(
(function(){
function key(c){var s=c.getAttribute('data-s');return s!==null?s:c.textContent.trim();}
document.querySelectorAll('table.sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,i){
  th.tabIndex=0;th.setAttribute('aria-sort','none');th.title='sort by this column';
  function go(){var b=t.tBodies[0],r=[].slice.call(b.rows),up=th.getAttribute('aria-sort')!=='ascending';
   t.querySelectorAll('th').forEach(function(h){h.setAttribute('aria-sort','none')});
   th.setAttribute('aria-sort',up?'ascending':'descending');
   r.sort(function(a,c){var x=key(a.cells[i]),y=key(c.cells[i]),nx=parseFloat(x),ny=parseFloat(y);
    var d=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return up?d:-d;});
   r.forEach(function(x){b.appendChild(x)});}
  th.addEventListener('click',go);th.addEventListener('keydown',function(e){if(e.key==='Enter')go();});});});
var f=document.getElementById('filter');
if(f){var l=document.createElement('label'),c=document.createElement('input');c.type='checkbox';
 c.addEventListener('change',function(){document.body.classList.toggle('only-drift',c.checked);});
 l.appendChild(c);l.appendChild(document.createTextNode(' show drifted features only'));f.appendChild(l);}
})();
)JS";

void page_start(std::string& out, const std::string& title) {
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'\">\n"
         "<meta name=\"generator\" content=\"driftwatch " DRIFTWATCH_VERSION_STRING "\">\n<title>";
  escape_into(out, title);
  out += "</title>\n<style>";
  out += page_style;
  out += "</style>\n</head>\n<body>\n";
}

void page_end(std::string& out) {
  out += "<p class=\"note\">Written by driftwatch " DRIFTWATCH_VERSION_STRING
         ". Plots are inline SVG; hover a bar or a mark for its exact values. The page needs no network and no "
         "script (scripts only add sorting and filtering).</p>\n<script>";
  out += page_script;
  out += "</script>\n</body>\n</html>\n";
}

// ------------------------------------------------------------------ SVG

constexpr double svg_w = 360, svg_h = 172;
constexpr double plot_x0 = 38, plot_x1 = 352, plot_y0 = 22, plot_y1 = 142;

void svg_open(std::string& out, const std::string& cls, double height, const std::string& title,
              const std::string& desc) {
  out += "<svg class=\"";
  out += cls;
  out += "\" viewBox=\"0 0 ";
  coord(out, svg_w);
  out += ' ';
  coord(out, height);
  out += "\" role=\"img\"><title>";
  escape_into(out, title);
  out += "</title>";
  if (!desc.empty()) {
    out += "<desc>";
    escape_into(out, desc);
    out += "</desc>";
  }
}

void text_at(std::string& out, double x, double y, const std::string& text, const char* anchor = "middle") {
  out += "<text";
  if (anchor[0] == 's') out += " class=\"s\"";
  if (anchor[0] == 'e') out += " class=\"e\"";
  out += " x=\"";
  coord(out, x);
  out += "\" y=\"";
  coord(out, y);
  out += "\">";
  escape_into(out, text);
  out += "</text>";
}

void line(std::string& out, double x1, double y1, double x2, double y2, const char* style) {
  out += "<line x1=\"";
  coord(out, x1);
  out += "\" y1=\"";
  coord(out, y1);
  out += "\" x2=\"";
  coord(out, x2);
  out += "\" y2=\"";
  coord(out, y2);
  out += "\" ";
  out += style;
  out += "/>";
}

void rect(std::string& out, double x, double y, double w, double h, const char* style) {
  out += "<rect x=\"";
  coord(out, x);
  out += "\" y=\"";
  coord(out, y);
  out += "\" width=\"";
  coord(out, std::max(0.0, w));
  out += "\" height=\"";
  coord(out, std::max(0.0, h));
  out += "\" ";
  out += style;
  out += "/>";
}

// Presentation lives in page_style (classes r, c, a), not repeated per element.
const char* const ref_fill = "class=\"r\"";
const char* const cur_outline = "class=\"c\"";
const char* const axis_style = "class=\"a\"";

/// The legend row at the top of a plot: a filled swatch, an outlined swatch
/// (bars), or a solid and a dashed line (ECDFs).
void legend(std::string& out, const std::string& first, const std::string& second, bool lines) {
  double x = plot_x0;
  if (lines) {
    line(out, x, 9, x + 18, 9, "stroke=\"#0072B2\" stroke-width=\"2\"");
  } else {
    rect(out, x, 4, 18, 10, ref_fill);
  }
  text_at(out, x + 22, 13, first, "start");
  if (second.empty()) return;
  x += 30 + 6.2 * static_cast<double>(first.size());
  if (lines) {
    line(out, x, 9, x + 18, 9, "stroke=\"#D55E00\" stroke-width=\"2\" stroke-dasharray=\"5 3\"");
  } else {
    rect(out, x + 1, 5, 16, 8, cur_outline);
  }
  text_at(out, x + 22, 13, second, "start");
}

void y_axis_percent(std::string& out, double ymax) {
  line(out, plot_x0, plot_y0, plot_x0, plot_y1, axis_style);
  line(out, plot_x0, plot_y1, plot_x1, plot_y1, axis_style);
  for (int i = 0; i <= 2; ++i) {
    const double v = ymax * i / 2;
    const double y = plot_y1 - (plot_y1 - plot_y0) * i / 2;
    line(out, plot_x0 - 3, y, plot_x0, y, axis_style);
    char buf[32];
    std::snprintf(buf, sizeof buf, ymax < 0.1 ? "%.1f%%" : "%.0f%%", 100 * v);
    text_at(out, plot_x0 - 5, y + 3, buf, "end");
  }
}

/// Vertical bars on equal-width slots: the reference filled, the current
/// outlined on top. `edges` has bars.size() + 1 labels (empty = none).
/// `second` empty: one series (filled).
void bars_vertical(std::string& out, const std::vector<bar>& bars, const std::vector<std::string>& edges,
                   const std::string& title, const std::string& desc, const std::string& first,
                   const std::string& second, const std::string& tooltip_unit) {
  svg_open(out, "hist", svg_h, title, desc);
  legend(out, first, second, false);
  double ymax = 0;
  for (const auto& b : bars) ymax = std::max({ymax, b.reference, second.empty() ? 0.0 : b.current});
  ymax = ymax > 0 ? std::min(1.0, ymax * 1.08) : 1;
  y_axis_percent(out, ymax);
  const std::size_t n = bars.size();
  const double slot = (plot_x1 - plot_x0) / static_cast<double>(std::max<std::size_t>(n, 1));
  const double gap = slot > 8 ? 1.5 : 0.3;
  auto height = [&](double p) { return (plot_y1 - plot_y0) * p / ymax; };
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = bars[i];
    const double x = plot_x0 + slot * static_cast<double>(i);
    out += "<g class=\"bin\"><title>";
    std::string t = b.label + ": " + first + " " + pct(b.reference) + " (" + std::to_string(b.reference_count) +
                    (tooltip_unit.empty() ? "" : " ") + tooltip_unit + ")";
    if (!second.empty())
      t += ", " + second + " " + pct(b.current) + " (" + std::to_string(b.current_count) + (tooltip_unit.empty() ? "" : " ") + tooltip_unit + ")";
    escape_into(out, t);
    out += "</title>";
    rect(out, x + gap, plot_y1 - height(b.reference), slot - 2 * gap, height(b.reference), ref_fill);
    if (!second.empty() && b.current > 0)
      rect(out, x + gap + 1, plot_y1 - height(b.current) + 1, slot - 2 * gap - 2, height(b.current) - 1,
           cur_outline);
    out += "</g>";
  }
  // Edge labels, thinned so they never overlap (about 44 px each).
  std::size_t step = edges.size(), last = edges.size(), shown = 0;
  for (std::size_t i = 0; i < edges.size(); ++i)
    if (!edges[i].empty()) {
      if (last < i) step = std::min(step, i - last);
      last = i;
    }
  const std::size_t every =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(44.0 / (slot * static_cast<double>(step)))));
  for (std::size_t i = 0; i < edges.size() && i <= n; ++i) {
    if (edges[i].empty() || shown++ % every) continue;
    const double x = plot_x0 + slot * static_cast<double>(i);
    line(out, x, plot_y1, x, plot_y1 + 3, axis_style);
    text_at(out, x, plot_y1 + 14, edges[i]);
  }
  out += "</svg>";
}

std::string clip_label(const std::string& s, std::size_t max_chars) {
  // Counts UTF-8 code points; cuts on a code point boundary.
  std::size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return s.substr(0, i) + "\xE2\x80\xA6";  // …
      ++chars;
    }
  }
  return s;
}

/// Horizontal bars, one row per category: reference filled above, current
/// outlined below, the category name at the left.
void bars_horizontal(std::string& out, const std::vector<bar>& bars, const std::string& title,
                     const std::string& desc) {
  const double row = 20, top = 22, label_w = 118;
  const double height = top + row * static_cast<double>(bars.size()) + 20;
  svg_open(out, "hist cat", height, title, desc);
  legend(out, "reference", "current", false);
  double xmax = 0;
  for (const auto& b : bars) xmax = std::max({xmax, b.reference, b.current});
  xmax = xmax > 0 ? xmax * 1.05 : 1;
  const double x0 = label_w, x1 = plot_x1, bottom = top + row * static_cast<double>(bars.size());
  auto width = [&](double p) { return (x1 - x0) * p / xmax; };
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double y = top + row * static_cast<double>(i);
    out += "<g class=\"bin\"><title>";
    escape_into(out, b.label + ": reference " + pct(b.reference) + " (" + std::to_string(b.reference_count) +
                         "), current " + pct(b.current) + " (" + std::to_string(b.current_count) + ")");
    out += "</title>";
    text_at(out, x0 - 4, y + 13, clip_label(b.label, 18), "end");
    rect(out, x0, y + 2, width(b.reference), 8, ref_fill);
    if (b.current > 0) rect(out, x0 + 1, y + 11, width(b.current) - 1, 7, cur_outline);
    out += "</g>";
  }
  line(out, x0, top, x0, bottom, axis_style);
  line(out, x0, bottom, x1, bottom, axis_style);
  for (int i = 0; i <= 2; ++i) {
    const double x = x0 + (x1 - x0) * i / 2;
    line(out, x, bottom, x, bottom + 3, axis_style);
    char buf[32];
    std::snprintf(buf, sizeof buf, xmax < 0.1 ? "%.1f%%" : "%.0f%%", 100 * xmax * i / 2);
    text_at(out, x, bottom + 14, buf, i == 2 ? "end" : "middle");
  }
  out += "</svg>";
}

void ecdf_svg(std::string& out, const drift_feature& f) {
  const auto& e = f.ecdf;
  std::string title = "ECDFs of " + f.name + ": reference (solid, " + std::to_string(e.n_reference) +
                      " values) and current (dashed, " + std::to_string(e.n_current) + " values)";
  if (e.has_ks) title += "; KS statistic D = " + human(e.ks_statistic) + " at " + human(e.ks_location);
  svg_open(out, "ecdf", svg_h, title,
           "Empirical cumulative distribution functions drawn through at most a fixed number of quantiles; the "
           "vertical black bar marks where they differ most.");
  legend(out, "reference", "current", true);
  const double lo = e.x_low, hi = e.x_high;
  if (e.reference_x.empty() && e.current_x.empty()) {
    text_at(out, (plot_x0 + plot_x1) / 2, (plot_y0 + plot_y1) / 2, "no finite values");
    out += "</svg>";
    return;
  }
  const double pad = hi > lo ? (hi - lo) * 0.03 : std::max(1.0, std::fabs(lo) * 0.05);
  const double xa = lo - pad, xb = hi + pad;
  // Values outside the drawn range are pinned to its border.
  auto X = [&](double x) { return std::clamp(plot_x0 + (plot_x1 - plot_x0) * (x - xa) / (xb - xa), plot_x0, plot_x1); };
  auto Y = [&](double p) { return plot_y1 - (plot_y1 - plot_y0) * p; };
  line(out, plot_x0, plot_y0, plot_x0, plot_y1, axis_style);
  line(out, plot_x0, plot_y1, plot_x1, plot_y1, axis_style);
  for (int i = 0; i <= 2; ++i) {
    const double y = Y(i / 2.0);
    line(out, plot_x0 - 3, y, plot_x0, y, axis_style);
    text_at(out, plot_x0 - 5, y + 3, i == 0 ? "0" : i == 1 ? "0.5" : "1", "end");
  }
  for (int i = 0; i <= 2; ++i) {
    const double v = lo + (hi - lo) * i / 2;
    line(out, X(v), plot_y1, X(v), plot_y1 + 3, axis_style);
    text_at(out, X(v), plot_y1 + 14, g3(v), i == 0 ? "start" : i == 2 ? "end" : "middle");
  }
  // Relative steps between corners rounded to 0.1 px in absolute terms, so
  // the short relative form never accumulates rounding.
  auto curve = [&](const std::vector<double>& xs, const std::vector<double>& fs, const char* cls) {
    if (xs.empty()) return;
    auto tenths = [](double v) { return static_cast<long>(std::lround(v * 10)); };
    long px = tenths(X(xa)), py = tenths(Y(0));
    out += "<path class=\"";
    out += cls;
    out += "\" d=\"M";
    coord(out, static_cast<double>(px) / 10.0);
    out += ' ';
    coord(out, static_cast<double>(py) / 10.0);
    auto step = [&](char cmd, long& at, long to) {
      if (to == at) return;
      out += cmd;
      coord(out, static_cast<double>(to - at) / 10.0);
      at = to;
    };
    for (std::size_t i = 0; i < xs.size(); ++i) {
      step('h', px, tenths(X(xs[i])));
      step('v', py, tenths(Y(fs[i])));
    }
    step('h', px, tenths(X(xb)));
    out += "\"/>";
  };
  curve(e.reference_x, e.reference_f, "ref");
  curve(e.current_x, e.current_f, "cur");
  if (e.has_ks) {
    const double x = X(e.ks_location);
    out += "<g class=\"ks\" data-d=\"" + exact(e.ks_statistic) + "\" data-x=\"" + exact(e.ks_location) +
           "\" data-fref=\"" + exact(e.reference_f_at) + "\" data-fcur=\"" + exact(e.current_f_at) + "\"><title>";
    escape_into(out, "KS statistic D = " + human(e.ks_statistic) + " at x = " + human(e.ks_location) +
                         ": reference ECDF " + human(e.reference_f_at) + ", current ECDF " + human(e.current_f_at));
    out += "</title>";
    line(out, x, Y(e.reference_f_at), x, Y(e.current_f_at), "stroke=\"#000\" stroke-width=\"2.5\"");
    for (double fv : {e.reference_f_at, e.current_f_at}) {
      out += "<circle cx=\"";
      coord(out, x);
      out += "\" cy=\"";
      coord(out, Y(fv));
      out += "\" r=\"2.8\" fill=\"#000\"/>";
    }
    const bool right = x < (plot_x0 + plot_x1) / 2;
    text_at(out, x + (right ? 6 : -6), Y((e.reference_f_at + e.current_f_at) / 2) + 3, "D = " + human(e.ks_statistic),
            right ? "start" : "end");
    out += "</g>";
  }
  out += "</svg>";
}

// ------------------------------------------------------------------ drift model helpers

std::string threshold_text(const char* op, double t, bool is_pvalue) {
  if (is_pvalue ? !(t > 0) : std::isinf(t)) return "disabled";
  return std::string(op) + " " + human(t);
}

std::string reasons_of(unsigned r) {
  std::string out;
  auto add = [&](unsigned flag, const char* name) {
    if (r & flag) out += (out.empty() ? "" : ", ") + std::string(name);
  };
  add(reason_psi, "PSI");
  add(reason_js, "JS");
  add(reason_ks, "KS");
  add(reason_chi2, "chi-square");
  add(reason_missing_rate, "missing rate");
  return out;
}

// The ECDF sketch's corners, at most `points` per curve (the engine made
// them with that bound; a smaller limit keeps every k-th, and the last).
void thin(const std::vector<double>& xs, const std::vector<double>& fs, std::size_t points, std::vector<double>& ox,
          std::vector<double>& of) {
  if (xs.size() <= points || points == 0) {
    ox = xs, of = fs;
    return;
  }
  const std::size_t step = (xs.size() + points - 1) / points;
  for (std::size_t i = step - 1; i < xs.size(); i += step) ox.push_back(xs[i]), of.push_back(fs[i]);
  if (ox.back() != xs.back()) ox.push_back(xs.back()), of.push_back(fs.back());
}

}  // namespace

// ------------------------------------------------------------------ drift

drift_model make_drift_model(const drift_outcome& out, const drift_settings& s, const drift_limits& limits) {
  drift_model m;
  const feature_settings& d = s.defaults;
  m.reference_path = s.reference;
  m.current_path = s.current;
  m.reference_rows = out.reference_rows;
  m.current_rows = out.current_rows;
  // A reference column absent from the current file is a feature (its
  // section says so); only the others are listed as not compared.
  for (const auto& c : out.only_in_reference) {
    bool feature = false;
    for (const auto& r : out.features) feature = feature || r.name == c;
    for (const auto& x : out.excluded) feature = feature || x == c;  // listed once, as excluded
    if (!feature) m.only_in_reference.push_back(c);
  }
  for (const auto& r : out.features) m.n_absent += r.status == feature_status::absent;
  m.only_in_current = out.only_in_current;
  m.excluded = out.excluded;
  m.thresholds[0] = threshold_text(">", d.psi, false);
  m.thresholds[1] = threshold_text(">", d.js_distance, false);
  m.thresholds[2] = threshold_text("<", d.ks_alpha, true);
  m.thresholds[3] = threshold_text("<", d.chi2_alpha, true);
  m.thresholds[4] = threshold_text(">", d.missing_rate, false);
  m.correction = s.correction == driftwatch::correction::none         ? "none"
                 : s.correction == driftwatch::correction::bonferroni ? "Bonferroni"
                                                                      : "Benjamini-Hochberg";
  m.binning = std::to_string(d.bins) + " " + driftwatch::to_string(d.method) +
              " bins per numeric feature by default (fewer where reference quantiles tie), PSI epsilon " +
              human(s.epsilon);
  m.memory_budget = s.memory_budget;

  std::vector<drift_feature> features;
  features.reserve(out.features.size());
  for (const feature_result& r : out.features) {
    const feature_settings& t = r.settings;
    drift_feature f;
    f.name = r.name;
    f.numeric = r.kind == driftwatch::feature_kind::numeric;
    f.drift = r.drift;
    f.invalid_reason = r.invalid_reason;
    f.insufficient = r.status == feature_status::insufficient;
    if (f.insufficient)
      f.status_note = "fewer valid current values (" + std::to_string(r.current.valid) + ") than --min-samples (" +
                      std::to_string(t.min_samples) + "): insufficient data";
    f.gate_failed = r.gate_failed;
    f.reasons = reasons_of(r.reasons);
    f.n_reference = r.reference.valid;
    f.n_current = r.current.valid;
    f.missing_reference = r.reference.missing;
    f.missing_current = r.current.missing;
    f.invalid_reference = r.reference.invalid();
    f.invalid_current = r.current.invalid();
    f.category_overflow = r.current.category_overflow;
    f.category_overflow_reference = r.reference.category_overflow;
    f.current_values_summarised = r.current_values_summarised;

    if (f.numeric && r.histograms.size() == 2) {
      const auto& rh = r.histograms[0];
      const auto& ch = r.histograms[1];
      const auto& edges = rh.edges().interior();
      const double rn = static_cast<double>(rh.count()), cn = static_cast<double>(ch.count());
      // One bar per frozen bin; past limits.max_bars, runs of `group`
      // adjacent bins share a bar (the page says so), so the page stays small.
      const std::size_t nb = rh.bin_count();
      const std::size_t group = (nb + limits.max_bars - 1) / limits.max_bars;
      f.bins_per_bar = group;
      f.frozen_bins = nb;
      for (std::size_t b = 0; b < nb; b += group) {
        const std::size_t e = std::min(nb, b + group);  // bins [b, e)
        bar x;
        const std::string lo = b == 0 ? std::string("\xE2\x88\x92\xE2\x88\x9E") : g3(edges[b - 1]);
        const std::string hi = e == nb ? std::string("+\xE2\x88\x9E") : g3(edges[e - 1]);
        x.label = "(" + lo + ", " + hi + (e == nb ? ")" : "]");
        for (std::size_t i = b; i < e; ++i) {
          x.reference_count += rh.counts()[i];
          x.current_count += ch.counts()[i];
        }
        x.reference = rn > 0 ? static_cast<double>(x.reference_count) / rn : 0;
        x.current = cn > 0 ? static_cast<double>(x.current_count) / cn : 0;
        f.bars.push_back(std::move(x));
      }
    }
    if (f.numeric) {
      const ecdf_sketch& e = r.ecdf;
      f.ecdf.n_reference = r.reference.valid;
      f.ecdf.n_current = r.current.valid;
      f.ecdf.current_exact = e.current_exact;
      thin(e.reference_x, e.reference_f, limits.ecdf_points, f.ecdf.reference_x, f.ecdf.reference_f);
      thin(e.current_x, e.current_f, limits.ecdf_points, f.ecdf.current_x, f.ecdf.current_f);
      f.ecdf.x_low = e.x_low;
      f.ecdf.x_high = e.x_high;
      f.ecdf.clipped = e.min < e.x_low || e.max > e.x_high;
      if (r.ks.valid() && std::isfinite(r.ks.statistic_location)) {
        f.ecdf.has_ks = true;
        f.ecdf.ks_statistic = r.ks.statistic;
        f.ecdf.ks_location = r.ks.statistic_location;
        f.ecdf.reference_f_at = e.reference_f_at;
        f.ecdf.current_f_at = e.current_f_at;
      }
    } else if (!f.numeric) {
      const double rn = static_cast<double>(r.reference.valid), cn = static_cast<double>(r.current.valid);
      std::vector<bar> all;
      for (std::size_t i = 0; i < r.category_names.size(); ++i) {
        bar x;
        x.label = r.category_names[i];
        x.reference_count = i < r.category_reference.size() ? r.category_reference[i] : 0;
        x.current_count = i < r.category_current.size() ? r.category_current[i] : 0;
        all.push_back(std::move(x));
      }
      if (r.reference.category_overflow + r.current.category_overflow > 0) {
        bar x;  // the metrics see these as one category too
        x.label = "categories past --max-distinct (pooled)";
        x.reference_count = r.reference.category_overflow;
        x.current_count = r.current.category_overflow;
        all.push_back(std::move(x));
      }
      for (auto& x : all) {
        x.reference = rn > 0 ? static_cast<double>(x.reference_count) / rn : 0;
        x.current = cn > 0 ? static_cast<double>(x.current_count) / cn : 0;
      }
      // Largest change first; ties by the larger share, then by name.
      std::stable_sort(all.begin(), all.end(), [](const bar& a, const bar& b) {
        const double da = std::fabs(a.current - a.reference), db = std::fabs(b.current - b.reference);
        if (da != db) return da > db;
        return std::max(a.reference, a.current) > std::max(b.reference, b.current);
      });
      f.total_categories = all.size();
      if (all.size() > limits.top_categories) {
        bar rest;
        const std::size_t keep = limits.top_categories - 1;
        for (std::size_t i = keep; i < all.size(); ++i) {
          rest.reference += all[i].reference;
          rest.current += all[i].current;
          rest.reference_count += all[i].reference_count;
          rest.current_count += all[i].current_count;
        }
        f.folded_categories = all.size() - keep;
        rest.label = "other (" + std::to_string(f.folded_categories) + " categories)";
        all.resize(keep);
        all.push_back(std::move(rest));
      }
      f.bars = std::move(all);
    }

    // Every metric, its threshold (this feature's, after config overrides)
    // and its verdict.
    auto row = [&](std::string name, const driftwatch::metric_value& v, std::string threshold, unsigned flag) {
      metric_row x;
      x.name = std::move(name);
      x.value = v.valid() ? human(v.value) : "-";
      x.threshold = std::move(threshold);
      if (!v.valid()) {
        x.outcome = verdict::not_available;
        x.note = v.invalid_reason ? v.invalid_reason : "";
      } else if (flag == 0) {
        x.outcome = verdict::informational;
      } else if (!r.invalid_reason.empty() && flag != reason_missing_rate) {
        x.outcome = verdict::not_available;
        x.note = r.invalid_reason;
      } else {
        x.outcome = (r.reasons & flag) ? verdict::drift : verdict::ok;
      }
      f.metrics.push_back(std::move(x));
    };
    auto value_or = [](bool ok, double v, const char* why) {
      return ok ? driftwatch::metric_value::of(v) : driftwatch::metric_value::invalid(why);
    };
    const char* why = r.invalid_reason.empty() ? "no data" : r.invalid_reason.c_str();
    row("PSI", r.psi, threshold_text(">", t.psi, false), reason_psi);
    row("Jensen-Shannon distance", r.js.distance, threshold_text(">", t.js_distance, false), reason_js);
    row("Jensen-Shannon divergence", r.js.divergence, "no threshold", 0);
    row("Hellinger distance", r.hellinger, "no threshold", 0);
    const bool correcting = s.correction != driftwatch::correction::none;
    const double raw_p = f.numeric ? r.ks.pvalue : r.chi2.pvalue;
    const bool test_valid = f.numeric ? r.ks.valid() : r.chi2.valid();
    const char* test_reason = f.numeric ? r.ks.invalid_reason : r.chi2.invalid_reason;
    if (!test_reason) test_reason = why;
    if (f.numeric) {
      row("KS statistic D", value_or(r.ks.valid(), r.ks.statistic, test_reason), "no threshold (the p-value decides)",
          0);
    } else {
      row("chi-square statistic", value_or(r.chi2.valid(), r.chi2.statistic, test_reason),
          "no threshold (the p-value decides)", 0);
      if (r.chi2.valid()) f.metrics.back().note = std::to_string(r.chi2.dof) + " degrees of freedom";
    }
    {
      const auto p = value_or(test_valid && !std::isnan(r.adjusted_pvalue), r.adjusted_pvalue, test_reason);
      row(std::string(f.numeric ? "KS" : "chi-square") + " p-value" + (correcting ? " (" + m.correction + "-corrected)" : ""),
          p, f.numeric ? threshold_text("<", t.ks_alpha, true) : threshold_text("<", t.chi2_alpha, true),
          f.numeric ? reason_ks : reason_chi2);
      if (test_valid) {
        std::string note;
        if (f.numeric) note = r.ks.method == driftwatch::ks_method::exact ? "exact" : "asymptotic";
        if (f.numeric) note += " p-value; D on every value";
        if (correcting) note += std::string(note.empty() ? "" : "; ") + "uncorrected " + human(raw_p);
        f.metrics.back().note = note;
      }
      f.pvalue = p.valid() ? human(p.value) : "-";
    }
    if (f.numeric) {
      row("Wasserstein-1 distance", value_or(!std::isnan(r.wasserstein), r.wasserstein, test_reason), "no threshold",
          0);
      if (!std::isnan(r.wasserstein))
        f.metrics.back().note = r.wasserstein_exact ? "exact"
                                                    : "within \xC2\xB1" + human(r.wasserstein_error_bound) +
                                                          " of the exact value (--memory-budget reached)";
    }
    {
      const bool ok = !std::isnan(r.missing_rate_reference) && !std::isnan(r.missing_rate_current);
      row("missing-value rate change", value_or(ok, r.missing_rate_current - r.missing_rate_reference, "no rows"),
          "|change| " + threshold_text(">", t.missing_rate, false), reason_missing_rate);
      if (ok)
        f.metrics.back().note = "empty cells: reference " + pct(r.missing_rate_reference) + ", current " +
                                pct(r.missing_rate_current);
    }
    f.psi = r.psi.valid() ? human(r.psi.value) : "-";
    f.js_distance = r.js.distance.valid() ? human(r.js.distance.value) : "-";
    features.push_back(std::move(f));
    m.n_drifted += r.drift;
    m.n_not_available += !r.invalid_reason.empty();
    m.n_gate_failures += r.gate_failed;
  }

  // Drifted first (largest PSI first), then the others in input order, then
  // the features that could not be compared or have too few current values.
  std::vector<std::size_t> order(features.size());
  std::iota(order.begin(), order.end(), 0);
  const auto& rs = out.features;
  auto group = [&](std::size_t i) {
    const verdict v = feature_verdict(features[i]);
    return v == verdict::drift ? 0 : v == verdict::ok ? 1 : 2;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (group(a) != group(b)) return group(a) < group(b);
    if (group(a) == 0) {
      const double pa = rs[a].psi.valid() ? rs[a].psi.value : -1;
      const double pb = rs[b].psi.valid() ? rs[b].psi.value : -1;
      return pa > pb;
    }
    return false;
  });
  m.features.reserve(features.size());
  for (std::size_t i : order) m.features.push_back(std::move(features[i]));
  return m;
}

std::string render_drift(const drift_model& m) {
  std::string out;
  out.reserve(4096 + m.features.size() * 9000);
  page_start(out, "driftwatch drift report: " + m.current_path);
  out += "<header>\n<h1>Drift report</h1>\n<p><code>";
  escape_into(out, m.current_path);
  out += "</code> (current) against <code>";
  escape_into(out, m.reference_path);
  out += "</code> (reference)</p>\n</header>\n<main>\n<section id=\"summary\">\n<h2>Summary</h2>\n";
  const std::size_t n = m.features.size();
  out += "<p class=\"big\" id=\"verdict\"><span class=\"badge " + std::string(m.n_drifted ? "drift" : "ok") + "\">" +
         (m.n_drifted ? "\xE2\x96\xB2 DRIFT" : "\xE2\x9C\x93 NO DRIFT") + "</span> " + std::to_string(m.n_drifted) +
         " of " + std::to_string(n) + " features drifted";
  if (m.n_not_available) out += " (" + std::to_string(m.n_not_available) + " could not be compared)";
  out += "</p>\n<div class=\"facts\">\n";
  auto fact = [&](const std::string& k, const std::string& v) {
    out += "<div><b>";
    escape_into(out, k);
    out += "</b><br>";
    escape_into(out, v);
    out += "</div>\n";
  };
  fact("Reference data", std::to_string(m.reference_rows) + " rows");
  fact("Current data", std::to_string(m.current_rows) + " rows");
  fact("Features", std::to_string(n) + " reference columns" +
                       (m.n_absent ? " (" + std::to_string(m.n_absent) + " absent from the current file)"
                                   : std::string(", all present in the current file")));
  fact("Drift when", "PSI " + m.thresholds[0] + ", or JS distance " + m.thresholds[1] + ", or KS p-value " +
                         m.thresholds[2] + " (numeric), or chi-square p-value " + m.thresholds[3] +
                         " (categorical), or the share of empty cells changes by " + m.thresholds[4] +
                         " (defaults; a feature's own thresholds are in its metrics table)");
  fact("P-value correction", m.correction + " (across the features' KS and chi-square p-values)");
  fact("Bins", m.binning);
  if (m.n_gate_failures)
    fact("Unchecked", std::to_string(m.n_gate_failures) + (m.n_gate_failures == 1 ? " feature" : " features") +
                          " could not be checked (with --fail-on-drift: exit status 4 unless drift)");
  out += "</div>\n";
  for (const auto& c : m.excluded) {
    out += "<p class=\"note\">Column <code>";
    escape_into(out, c);
    out += "</code> is excluded: not compared.</p>\n";
  }
  for (const auto& c : m.only_in_reference) {
    out += "<p class=\"note\">Column <code>";
    escape_into(out, c);
    out += "</code> is only in the reference: not compared.</p>\n";
  }
  for (const auto& c : m.only_in_current) {
    out += "<p class=\"note\">Column <code>";
    escape_into(out, c);
    out += "</code> is only in the current file: not compared.</p>\n";
  }
  out += "<div id=\"filter\"></div>\n<div class=\"scroll\"><table class=\"sortable\" id=\"overview\">\n<thead><tr>"
         "<th>feature</th><th>kind</th><th>verdict</th><th class=\"n\">PSI</th><th class=\"n\">JS distance</th>"
         "<th class=\"n\">test p-value</th><th>drift by</th></tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < n; ++i) {
    const auto& f = m.features[i];
    const verdict v = feature_verdict(f);
    out += "<tr class=\"" + std::string(f.drift ? "drifted" : "notdrift") + "\"><td><a href=\"#f" + std::to_string(i) + "\">";
    escape_into(out, f.name);
    out += "</a></td><td>" + std::string(f.numeric ? "numeric" : "categorical") + "</td><td class=\"v " +
           verdict_class(v) + "\" data-s=\"" + std::to_string(v == verdict::drift ? 0 : v == verdict::ok ? 1 : 2) +
           "\">" + verdict_text(v) + "</td><td class=\"n\">" + f.psi + "</td><td class=\"n\">" + f.js_distance +
           "</td><td class=\"n\">" + f.pvalue + "</td><td>";
    escape_into(out, f.reasons);
    out += "</td></tr>\n";
  }
  out += "</tbody></table></div>\n<p class=\"note\">Legend:<span class=\"key ref\"></span>reference (filled bars, "
         "solid line)<span class=\"key cur\"></span>current (outlined bars)<span class=\"key curl\"></span>current "
         "(dashed line). Verdicts: \xE2\x96\xB2 drift, \xE2\x9C\x93 ok, \xE2\x80\x93 n/a (the test could not be "
         "made, or too few current values to call it ok).</p>\n</section>\n<section id=\"features\">\n<h2>Features, drifted first</h2>\n";

  for (std::size_t i = 0; i < n; ++i) {
    const auto& f = m.features[i];
    const verdict v = feature_verdict(f);
    out += "<section class=\"feature " + std::string(verdict_class(v)) + "\" id=\"f" + std::to_string(i) +
           "\" data-feature=\"";
    escape_into(out, f.name);
    out += "\" data-verdict=\"" + std::string(verdict_class(v)) + "\" data-kind=\"" +
           (f.numeric ? "numeric" : "categorical") + "\">\n<h3>";
    escape_into(out, f.name);
    out += " <span class=\"badge " + std::string(verdict_class(v)) + " verdict\">" +
           (v == verdict::drift ? "\xE2\x96\xB2 DRIFT" : v == verdict::ok ? "\xE2\x9C\x93 OK" : "\xE2\x80\x93 N/A") +
           "</span> <small>" + (f.numeric ? "numeric" : "categorical");
    if (f.drift) {
      out += " \xC2\xB7 drift by ";
      escape_into(out, f.reasons);
    }
    if (!f.invalid_reason.empty()) {
      out += " \xC2\xB7 ";
      escape_into(out, f.invalid_reason);
    }
    if (!f.status_note.empty()) {
      out += " \xC2\xB7 ";
      escape_into(out, f.status_note);
    }
    out += "</small></h3>\n<div class=\"plots\">\n<figure>";
    if (f.numeric) {
      std::vector<std::string> edges(f.bars.size() + 1);
      for (std::size_t b = 0; b + 1 < f.bars.size(); ++b) {
        // the label "(lo, hi]" carries hi; show it at the bin's right edge
        const auto& lab = f.bars[b].label;
        const auto comma = lab.find(", ");
        edges[b + 1] = lab.substr(comma + 2, lab.size() - comma - 3);
      }
      bars_vertical(out, f.bars, edges,
                    "Histogram of " + f.name + " on the " + std::to_string(f.frozen_bins) +
                        " bins frozen from the reference: reference share filled, current share outlined",
                    "", "reference", "current", "");
      out += "<figcaption>Share of values per frozen bin (equal-width slots, labelled by bin edge)";
      if (f.bins_per_bar > 1)
        out += "; the " + std::to_string(f.frozen_bins) + " bins are drawn in runs of " +
               std::to_string(f.bins_per_bar) + " adjacent bins per bar (the metrics use every bin)";
      out += ".</figcaption>";
    } else {
      bars_horizontal(out, f.bars,
                      "Category shares of " + f.name + ": reference filled, current outlined, largest change first",
                      "One row per category, largest change in share first" +
                          std::string(f.folded_categories ? "; the last row sums the remaining categories." : "."));
      out += "<figcaption>" + std::to_string(f.total_categories) + " categories, largest change first";
      if (f.folded_categories)
        out += "; the last row folds " + std::to_string(f.folded_categories) + " categories with smaller changes";
      out += ".</figcaption>";
    }
    out += "</figure>\n";
    if (f.numeric) {
      out += "<figure>";
      ecdf_svg(out, f);
      out += "<figcaption>ECDFs";
      if (f.ecdf.has_ks) {
        out += "; KS statistic D = " + human(f.ecdf.ks_statistic) + " at x = " + esc(human(f.ecdf.ks_location)) +
               " (black bar)";
        // Which way: a lower current ECDF means fewer current values up to x.
        if (f.ecdf.current_f_at < f.ecdf.reference_f_at) out += ", where current values run larger";
        if (f.ecdf.current_f_at > f.ecdf.reference_f_at) out += ", where current values run smaller";
      }
      if (f.ecdf.clipped) out += "; x axis: the central 99% of the values (the rest pinned to its ends)";
      if (!f.ecdf.current_exact)
        out += "; <span class=\"approx\">the current ECDF is approximate: past --memory-budget the current values "
               "are kept as counts between the reference's distinct values, so its curve is exact only at the "
               "drawn corners (KS D and its location stay exact)</span>";
      out += ".</figcaption></figure>\n";
    }
    out += "</div>\n<div class=\"scroll\"><table class=\"metrics\"><thead><tr><th>metric</th><th class=\"n\">value"
           "</th><th>threshold</th><th>verdict</th><th>note</th></tr></thead><tbody>\n";
    for (const auto& r : f.metrics) {
      out += "<tr><td>";
      escape_into(out, r.name);
      out += "</td><td class=\"n\">" + r.value + "</td><td>";
      escape_into(out, r.threshold);
      out += "</td><td class=\"v " + std::string(verdict_class(r.outcome)) + "\">" + verdict_text(r.outcome) +
             "</td><td>";
      escape_into(out, r.note);
      out += "</td></tr>\n";
    }
    out += "</tbody></table></div>\n<p class=\"counts\">Reference: " + std::to_string(f.n_reference) + " valid, " +
           std::to_string(f.missing_reference) + " missing, " + std::to_string(f.invalid_reference) +
           " invalid (text in a numeric column, NaN/\xC2\xB1Inf). Current: " + std::to_string(f.n_current) +
           " valid, " + std::to_string(f.missing_current) + " missing, " + std::to_string(f.invalid_current) +
           " invalid";
    if (!f.numeric)
      out += ", " + std::to_string(f.category_overflow) + " overflow (values of categories past --max-distinct, "
             "pooled into one category; reference " + std::to_string(f.category_overflow_reference) + ")";
    out += ".";
    if (f.current_values_summarised)
      out += " The current values passed --memory-budget (" + std::to_string(m.memory_budget) +
             " bytes): KS stays exact, Wasserstein-1 carries the error bound in its note.";
    out += "</p>\n</section>\n";
  }
  out += "</section>\n</main>\n";
  page_end(out);
  return out;
}

// ------------------------------------------------------------------ rank

void pair_with_baseline(rank_model& m, const std::string& baseline_path, const std::vector<rank_query>& baseline) {
  m.baseline_path = baseline_path;
  m.baseline_queries = baseline.size();
  const std::size_t nm = m.measures.size();
  m.baseline_means.assign(nm, 0);
  for (const auto& q : baseline)
    for (std::size_t j = 0; j < nm; ++j) m.baseline_means[j] += q.values[j];
  for (double& v : m.baseline_means) v = baseline.empty() ? std::nan("") : v / static_cast<double>(baseline.size());
  // Both lists are in qid order: one merge pass.
  std::size_t i = 0, k = 0;
  while (i < m.queries.size() || k < baseline.size()) {
    if (k == baseline.size() || (i < m.queries.size() && m.queries[i].qid < baseline[k].qid)) {
      ++m.only_in_run;
      ++i;
    } else if (i == m.queries.size() || baseline[k].qid < m.queries[i].qid) {
      ++m.only_in_baseline;
      ++k;
    } else {
      m.paired_run.push_back(m.queries[i++]);
      m.paired_baseline.push_back(baseline[k++]);
    }
  }
  m.tests.clear();
  for (std::size_t j = 0; j < nm; ++j) {
    driftwatch::paired_comparison c;
    for (std::size_t q = 0; q < m.paired_run.size(); ++q) c.observe(m.paired_baseline[q].values[j], m.paired_run[q].values[j]);
    m.tests.push_back(c.result(driftwatch::alternative::two_sided, 0.95));
  }
}

namespace {

std::vector<bar> histogram_of(const std::vector<double>& v, double lo, double hi, std::size_t bins) {
  std::vector<bar> out(bins);
  for (double x : v) {
    if (!std::isfinite(x)) continue;
    double t = (x - lo) / (hi - lo) * static_cast<double>(bins);
    std::size_t b = t <= 0 ? 0 : static_cast<std::size_t>(t);
    if (b >= bins) b = bins - 1;  // the top edge belongs to the last bin
    ++out[b].reference_count;
  }
  for (auto& b : out) b.reference = v.empty() ? 0 : static_cast<double>(b.reference_count) / static_cast<double>(v.size());
  return out;
}

void query_table(std::string& out, const std::vector<const rank_query*>& rows, const std::vector<std::string>& measures,
                 const std::string& cls, const std::vector<double>* diffs) {
  out += "<div class=\"scroll\"><table class=\"sortable " + cls + "\"><thead><tr><th>query</th>";
  if (diffs) out += "<th class=\"n\">difference</th>";
  for (const auto& name : measures) {
    out += "<th class=\"n\">";
    escape_into(out, name);
    out += "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out += "<tr><td>";
    escape_into(out, rows[r]->qid);
    out += "</td>";
    if (diffs) out += "<td class=\"n\" data-s=\"" + exact((*diffs)[r]) + "\">" + human((*diffs)[r]) + "</td>";
    for (double v : rows[r]->values) out += "<td class=\"n\" data-s=\"" + exact(v) + "\">" + human(v) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

}  // namespace

std::string ranking_settings(std::size_t k, const driftwatch::ranking_policy& policy) {
  const char* ties = "docno descending (trec_eval)";
  switch (policy.ties) {
    case driftwatch::tie_policy::id_descending: break;
    case driftwatch::tie_policy::optimistic: ties = "optimistic (higher grades first)"; break;
    case driftwatch::tie_policy::pessimistic: ties = "pessimistic (lower grades first)"; break;
    case driftwatch::tie_policy::average: ties = "average over orderings"; break;
  }
  const char* gain = "linear (trec_eval)";
  switch (policy.gain) {
    case driftwatch::gain_function::linear: break;
    case driftwatch::gain_function::exponential: gain = "exponential (2^grade - 1)"; break;
    case driftwatch::gain_function::binary: gain = "binary"; break;
  }
  return "cutoff k = " + std::to_string(k) + ", relevance level " + std::to_string(policy.relevance_level) +
         ", ties: " + ties + ", NDCG gain: " + gain;
}

std::string render_rank(const rank_model& m) {
  std::string out;
  const std::size_t nm = m.measures.size(), nq = m.queries.size();
  const bool paired = !m.baseline_path.empty();
  out.reserve(8192 + nq * 200);
  page_start(out, "driftwatch ranking report: " + m.run_path);
  out += "<header>\n<h1>Ranking report</h1>\n<p>Run <code>";
  escape_into(out, m.run_path);
  out += "</code>";
  if (paired) {
    out += " (canary) against baseline <code>";
    escape_into(out, m.baseline_path);
    out += "</code>";
  }
  out += ", judged by <code>";
  escape_into(out, m.qrels_path);
  out += "</code></p>\n</header>\n<main>\n<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"facts\">\n";
  auto fact = [&](const std::string& k, const std::string& v) {
    out += "<div><b>";
    escape_into(out, k);
    out += "</b><br>";
    escape_into(out, v);
    out += "</div>\n";
  };
  fact("Queries evaluated (num_q)", std::to_string(nq));
  if (paired) {
    fact("Baseline queries evaluated", std::to_string(m.baseline_queries));
    fact("Paired queries", std::to_string(m.paired_run.size()) + " (only in the run: " + std::to_string(m.only_in_run) +
                               ", only in the baseline: " + std::to_string(m.only_in_baseline) + ")");
    fact("Paired test", "Student's paired t-test of canary \xE2\x88\x92 baseline per query, two-sided, 95% interval; "
                        "a difference is called at p < " + human(m.alpha));
  }
  fact("Settings", m.settings);
  if (!m.gate_checks.empty()) {  // the exit status, said on the page: 3 when a check failed
    std::string v, sep;
    if (m.gate_failures.empty()) {
      v = "\xE2\x9C\x93 passed: ";  // ✓
      for (const auto& c : m.gate_checks) v += std::exchange(sep, ", ") + c;
    } else {
      v = "\xE2\x96\xBC failed: ";  // ▼
      for (const auto& c : m.gate_failures) v += std::exchange(sep, "; ") + c;
      v += " (exit status 3)";
    }
    out += "<div id=\"gate\">";
    out += "<b>Gate (--fail-below)</b><br><span class=\"v " + std::string(m.gate_failures.empty() ? "ok" : "drift") +
           "\">";
    escape_into(out, v);
    out += "</span></div>\n";
  }
  out += "</div>\n</section>\n<section id=\"measures\">\n<h2>Measures</h2>\n<div class=\"scroll\"><table class=\"measures\">"
         "<thead><tr><th>measure</th><th class=\"n\">mean</th>";
  if (paired)
    out += "<th class=\"n\">baseline mean</th><th class=\"n\">paired difference</th><th class=\"n\">95% interval</th>"
           "<th class=\"n\">t</th><th class=\"n\">df</th><th class=\"n\">p-value</th><th>verdict</th>";
  out += "<th class=\"n\">min</th><th class=\"n\">median</th><th class=\"n\">max</th></tr></thead><tbody>\n";
  std::vector<std::vector<double>> column(nm), diff(nm);
  for (std::size_t j = 0; j < nm; ++j) {
    for (const auto& q : m.queries) column[j].push_back(q.values[j]);
    if (paired)
      for (std::size_t q = 0; q < m.paired_run.size(); ++q)
        diff[j].push_back(m.paired_run[q].values[j] - m.paired_baseline[q].values[j]);
  }
  for (std::size_t j = 0; j < nm; ++j) {
    std::vector<double> s = column[j];
    std::sort(s.begin(), s.end());
    const double median = s.empty() ? std::nan("") : (s.size() % 2 ? s[s.size() / 2] : (s[s.size() / 2 - 1] + s[s.size() / 2]) / 2);
    out += "<tr data-measure=\"";
    escape_into(out, m.measures[j]);
    out += "\"><td>";
    escape_into(out, m.measures[j]);
    out += "</td><td class=\"n\" data-s=\"" + exact(m.means[j]) + "\">" + human(m.means[j]) + "</td>";
    if (paired) {
      const auto& t = m.tests[j];
      out += "<td class=\"n\">" + human(m.baseline_means[j]) + "</td>";
      if (t.valid()) {
        const bool sig = t.p_value < m.alpha;
        const verdict v = !sig ? verdict::informational : t.difference > 0 ? verdict::ok : verdict::drift;
        out += "<td class=\"n\" data-diff=\"" + exact(t.difference) + "\">" + human(t.difference) + "</td><td class=\"n\">[" +
               human(t.ci_low) + ", " + human(t.ci_high) + "]</td><td class=\"n\" data-t=\"" + exact(t.t_statistic) +
               "\">" + human(t.t_statistic) + "</td><td class=\"n\">" + human(t.degrees_of_freedom) +
               "</td><td class=\"n\" data-p=\"" + exact(t.p_value) + "\">" + human(t.p_value) + "</td><td class=\"v " +
               verdict_class(v) + "\">" +
               (sig ? (t.difference > 0 ? "\xE2\x96\xB2 canary better" : "\xE2\x96\xBC canary worse")
                    : "= no significant difference") +
               "</td>";
      } else {
        out += "<td class=\"n\">" + human(t.difference) + "</td><td class=\"n\">-</td><td class=\"n\">-</td><td class=\"n\">-"
               "</td><td class=\"n\" data-p=\"nan\">-</td><td class=\"v na\">\xE2\x80\x93 n/a: ";
        escape_into(out, t.invalid_reason ? t.invalid_reason : "");
        out += "</td>";
      }
    }
    out += "<td class=\"n\">" + human(s.empty() ? std::nan("") : s.front()) + "</td><td class=\"n\">" + human(median) +
           "</td><td class=\"n\">" + human(s.empty() ? std::nan("") : s.back()) + "</td></tr>\n";
  }
  out += "</tbody></table></div>\n";
  if (paired)
    out += "<p class=\"note\">Difference = canary \xE2\x88\x92 baseline on the paired queries (higher is better for "
           "every measure here). \xE2\x96\xB2/\xE2\x96\xBC mark a difference with p &lt; " + human(m.alpha) + ".</p>\n";
  out += "</section>\n<section id=\"distributions\">\n<h2>Per-query distributions</h2>\n<div class=\"plots many\">\n";
  const std::size_t bins = 10;
  std::vector<std::string> edges(bins + 1);
  for (std::size_t b = 0; b <= bins; b += 1) edges[b] = g3(static_cast<double>(b) / bins);
  for (std::size_t j = 0; j < nm; ++j) {
    double lo = 0, hi = 1;
    for (double v : column[j]) if (std::isfinite(v)) { lo = std::min(lo, v); hi = std::max(hi, v); }
    std::vector<bar> bars;
    if (paired) {
      std::vector<double> pr, pb;
      for (std::size_t q = 0; q < m.paired_run.size(); ++q) {
        pr.push_back(m.paired_run[q].values[j]);
        pb.push_back(m.paired_baseline[q].values[j]);
        if (std::isfinite(pb.back())) { lo = std::min(lo, pb.back()); hi = std::max(hi, pb.back()); }
      }
      bars = histogram_of(pb, lo, hi, bins);
      const auto cur = histogram_of(pr, lo, hi, bins);
      for (std::size_t b = 0; b < bins; ++b) {
        bars[b].current = cur[b].reference;
        bars[b].current_count = cur[b].reference_count;
      }
    } else {
      bars = histogram_of(column[j], lo, hi, bins);
    }
    std::vector<std::string> e(bins + 1);
    for (std::size_t b = 0; b <= bins; ++b) e[b] = g3(lo + (hi - lo) * static_cast<double>(b) / bins);
    for (std::size_t b = 0; b < bins; ++b)
      bars[b].label = m.measures[j] + " in [" + e[b] + ", " + e[b + 1] + (b + 1 == bins ? "]" : ")");
    out += "<figure class=\"measure\" data-measure=\"";
    escape_into(out, m.measures[j]);
    out += "\">";
    bars_vertical(out, bars, e,
                  "Per-query " + m.measures[j] + (paired ? ": baseline filled, canary outlined" : ""),
                  "Share of queries per value bin of " + m.measures[j] + ".", paired ? "baseline" : "queries",
                  paired ? "canary" : "", "queries");
    out += "<figcaption>";
    escape_into(out, m.measures[j]);
    out += paired ? " per paired query" : " per query";
    out += "</figcaption></figure>\n";
  }
  out += "</div>\n</section>\n";

  if (paired) {
    out += "<section id=\"differences\">\n<h2>Per-query differences (canary \xE2\x88\x92 baseline)</h2>\n<div class=\"plots many\">\n";
    const std::size_t dbins = 20;
    for (std::size_t j = 0; j < nm; ++j) {
      double a = 0;
      for (double d : diff[j]) if (std::isfinite(d)) a = std::max(a, std::fabs(d));
      if (a == 0) a = 1;
      auto bars = histogram_of(diff[j], -a, a, dbins);
      std::vector<std::string> e(dbins + 1);
      for (std::size_t b = 0; b <= dbins; ++b) {
        const double x = -a + 2 * a * static_cast<double>(b) / dbins;
        e[b] = b % 5 == 0 ? g3(std::fabs(x) < 1e-12 ? 0.0 : x) : "";
        if (b < dbins)
          bars[b].label = "difference in [" + g3(x) + ", " + g3(-a + 2 * a * static_cast<double>(b + 1) / dbins) +
                          (b + 1 == dbins ? "]" : ")");
      }
      out += "<figure class=\"difference\" data-measure=\"";
      escape_into(out, m.measures[j]);
      out += "\">";
      bars_vertical(out, bars, e, "Per-query difference in " + m.measures[j] + " (canary minus baseline)",
                    "Share of paired queries per bin of the difference; right of 0 the canary is better.", "queries", "",
                    "queries");
      out += "<figcaption>";
      escape_into(out, m.measures[j]);
      out += ": right of 0 the canary is better</figcaption></figure>\n";
    }
    out += "</div>\n</section>\n";
  }

  // Best and worst queries by the first measure (or by its paired difference).
  const std::size_t show = 5;
  out += "<section id=\"queries\">\n<h2>Best and worst queries</h2>\n";
  if (nm > 0) {
    const auto& rows = paired ? m.paired_run : m.queries;
    std::vector<std::size_t> idx(rows.size());
    std::iota(idx.begin(), idx.end(), 0);
    auto key = [&](std::size_t q) { return paired ? diff[0][q] : rows[q].values[0]; };
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
    const std::size_t k = std::min(show, idx.size());
    auto table = [&](const std::string& heading, const std::string& cls, bool best) {
      out += "<h3>";
      escape_into(out, heading);
      out += "</h3>\n";
      std::vector<const rank_query*> r;
      std::vector<double> d;
      for (std::size_t i = 0; i < k; ++i) {
        const std::size_t q = best ? idx[i] : idx[idx.size() - 1 - i];
        r.push_back(&rows[q]);
        if (paired) d.push_back(diff[0][q]);
      }
      query_table(out, r, m.measures, cls, paired ? &d : nullptr);
    };
    if (paired) {
      table("Most improved by the canary (" + m.measures[0] + " difference)", "best", true);
      table("Most degraded by the canary (" + m.measures[0] + " difference)", "worst", false);
      out += "<p class=\"note\">The measure columns are the canary's values.</p>\n";
    } else {
      table("Best " + std::to_string(k) + " by " + m.measures[0], "best", true);
      table("Worst " + std::to_string(k) + " by " + m.measures[0], "worst", false);
    }
  }
  const std::size_t max_rows = 1000;
  out += "<h3>All queries</h3>\n";
  if (nq <= max_rows) {
    std::vector<const rank_query*> r;
    for (const auto& q : m.queries) r.push_back(&q);
    query_table(out, r, m.measures, "all", nullptr);
  } else {
    out += "<p class=\"note\">" + std::to_string(nq) + " queries: more than " + std::to_string(max_rows) +
           " are not listed here; <code>driftwatch rank --format json --per-query</code> prints them all.</p>\n";
  }
  out += "</section>\n</main>\n";
  page_end(out);
  return out;
}

}  // namespace html_report
}  // namespace driftwatch_cli
