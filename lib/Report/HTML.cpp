//===- HTML.cpp - The report as one self-contained page -------------------===//
//
// The page needs nothing but itself: the CSS and the script are inline, the
// plots are SVG drawn by the script from the report's JSON embedded in the
// page, and nothing is fetched. Every text that came from a run (a
// candidate's code or reason, a model's description, a file name) is
// escaped where it is written: as HTML entities in the markup, and with <,
// > and & as \u escapes inside the embedded JSON, so that no text can close
// the script element; the script itself only ever sets textContent.
//
//===----------------------------------------------------------------------===//

#include "adrs/Report/Report.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace report {

std::string escapeHTML(StringRef Text) {
  std::string Out;
  Out.reserve(Text.size());
  for (char C : Text) {
    switch (C) {
    case '&':
      Out += "&amp;";
      break;
    case '<':
      Out += "&lt;";
      break;
    case '>':
      Out += "&gt;";
      break;
    case '"':
      Out += "&quot;";
      break;
    case '\'':
      Out += "&#39;";
      break;
    default:
      Out += C;
    }
  }
  return Out;
}

namespace {

/// JSON that can sit inside a <script> element whatever its strings hold.
std::string scriptSafeJSON(const json::Value &V) {
  std::string Text = formatv("{0}", V).str();
  std::string Out;
  Out.reserve(Text.size());
  for (char C : Text) {
    if (C == '<')
      Out += "\\u003c";
    else if (C == '>')
      Out += "\\u003e";
    else if (C == '&')
      Out += "\\u0026";
    else
      Out += C;
  }
  return Out;
}

std::string score(const std::optional<double> &V) {
  return V ? formatv("{0:F4}", *V).str() : "-";
}

/// Each CMA-ES tuning with the exploration measures of the second seed
/// paper (Appendix D): best step, coverage and normalised trajectory length.
void writeTunings(raw_ostream &OS, const ReportData &R) {
  OS << "<h3>CMA-ES tunings</h3>\n";
  if (R.Tunings.empty()) {
    OS << "<p>None.</p>\n";
    return;
  }
  auto Share = [](const std::optional<double> &V, const char *Format,
                  double Scale) {
    return V ? formatv("{0}", format(Format, *V * Scale)).str()
             : std::string("-");
  };
  OS << "<p class=\"note\">In the constants' ranges scaled to [0, 1]: "
        "coverage is the share of that cube inside the smallest ball about "
        "the points' centroid that holds them all (100% at most); the "
        "trajectory length is the distance from the first point to the last "
        "over the path's length (1: a straight line; about 1/&radic;K: a "
        "random walk of K steps). The best step is the evaluation that first "
        "reached the best score.</p>\n<table><tr><th>tuned</th>"
        "<th>constants</th><th>evaluations</th><th>score</th><th>best "
        "step</th><th>coverage</th><th>trajectory length</th><th>time</th>"
        "<th>outcome</th></tr>\n";
  for (size_t I = 0; I < R.Tunings.size(); ++I) {
    const store::TuningRecord &T = R.Tunings[I];
    if (I < R.TuningsWithLineOnly) {
      // A session before these were recorded kept its line only.
      OS << "<tr><td>#" << T.Subject << "</td><td colspan=\"8\"><small>"
         << escapeHTML(T.Summary) << "</small></td></tr>\n";
      continue;
    }
    OS << "<tr><td>#" << T.Subject << "</td><td class=\"num\">" << T.Constants
       << "</td><td class=\"num\">" << T.Evaluations << " of " << T.Budget
       << "</td><td class=\"num\">" << score(T.InitialScore) << " &rarr; "
       << score(T.BestScore) << "</td><td class=\"num\">";
    if (T.BestStep)
      OS << *T.BestStep;
    else
      OS << "-";
    OS << "</td><td class=\"num\">" << Share(T.Coverage, "%.1f%%", 100)
       << "</td><td class=\"num\">" << Share(T.TrajectoryLength, "%.3f", 1)
       << "</td><td class=\"num\">" << format("%.1f s", T.WallMs / 1000)
       << "</td><td><small>"
       << escapeHTML(T.Failure.empty() ? T.Summary : T.Failure)
       << "</small></td></tr>\n";
  }
  OS << "</table>\n";
}

std::string signedScore(const std::optional<double> &V) {
  if (!V)
    return "";
  return formatv("{0}{1:F4}", *V >= 0 ? "+" : "", *V).str();
}

/// A unified diff with its lines classed for colour.
void writeDiff(raw_ostream &OS, StringRef Diff) {
  OS << "<pre class=\"diff\">";
  SmallVector<StringRef, 0> Lines;
  Diff.split(Lines, '\n');
  for (StringRef L : Lines) {
    StringRef Class = "";
    if (L.startswith("+++") || L.startswith("---"))
      Class = "file";
    else if (L.startswith("@@"))
      Class = "hunk";
    else if (L.startswith("+"))
      Class = "add";
    else if (L.startswith("-"))
      Class = "del";
    OS << "<span class=\"" << Class << "\">" << escapeHTML(L) << "</span>\n";
  }
  OS << "</pre>\n";
}

constexpr const char *Style = R"css(
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 40px;color:#1d2330}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d5d9e0}
h3{font-size:15px;margin:16px 0 6px}.sub{color:#5a6270}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d5d9e0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f7f8fa;border:1px solid #e2e5ea;padding:8px;overflow-x:auto;font-size:12px;max-height:420px}
pre.diff .add{background:#e3f6e3;color:#14541a}pre.diff .del{background:#fbe5e5;color:#7a1414}
pre.diff .hunk{color:#3a4fa0}pre.diff .file{font-weight:bold}
svg.plot{background:#fff;border:1px solid #e2e5ea;margin:4px 0}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:18px;height:3px;margin-right:4px;vertical-align:middle}
.zero{color:#8a919c}.note{color:#5a6270;font-size:13px}#render-status{color:#8a919c;font-size:12px}
.grid{display:inline-block;margin:0 18px 12px 0;vertical-align:top}
)css";

constexpr const char *Script = R"js(
(function(){
var status=document.getElementById('render-status');
window.addEventListener('error',function(e){document.body.setAttribute('data-rendered','error');status.textContent='script error: '+e.message;});
var D=JSON.parse(document.getElementById('report-data').textContent);
var NS='http://www.w3.org/2000/svg',charts=0,points=0;
function el(n,a,p){var e=document.createElementNS(NS,n);for(var k in a)e.setAttribute(k,a[k]);if(p)p.appendChild(e);return e;}
function txt(n,a,t,p){var e=el(n,a,p);e.textContent=t;return e;}
function fmt(v){return Math.abs(v)>=1000||v===0?v.toFixed(0):v.toPrecision(4);}
// series: [{name,color,pts:[[x,y],...],dots,dash}], hlines: [{name,color,y}]
function plot(id,series,hlines,xlabel,ylabel){
  var host=document.getElementById(id);if(!host)return;
  var W=1040,H=300,L=70,R=16,T=12,B=40,xs=[],ys=[];
  series.forEach(function(s){s.pts.forEach(function(p){xs.push(p[0]);ys.push(p[1]);});});
  hlines.forEach(function(h){ys.push(h.y);});
  if(!xs.length){host.textContent='No scored candidate yet.';return;}
  var x0=Math.min.apply(null,xs),x1=Math.max.apply(null,xs),y0=Math.min.apply(null,ys),y1=Math.max.apply(null,ys);
  if(x1===x0){x1=x0+1;}if(y1===y0){y1=y0+1;y0=y0-1;}var pad=(y1-y0)*0.05;y0-=pad;y1+=pad;
  function X(v){return L+(v-x0)/(x1-x0)*(W-L-R);}function Y(v){return T+(y1-v)/(y1-y0)*(H-T-B);}
  var svg=el('svg',{'class':'plot',viewBox:'0 0 '+W+' '+H,width:'100%',style:'max-width:'+W+'px'},host);
  for(var i=0;i<=4;i++){var yv=y0+(y1-y0)*i/4,xv=x0+(x1-x0)*i/4;
    el('line',{x1:L,x2:W-R,y1:Y(yv),y2:Y(yv),stroke:'#eceef2'},svg);
    txt('text',{x:L-6,y:Y(yv)+4,'text-anchor':'end','font-size':11,fill:'#5a6270'},fmt(yv),svg);
    txt('text',{x:X(xv),y:H-B+16,'text-anchor':'middle','font-size':11,fill:'#5a6270'},fmt(xv),svg);}
  txt('text',{x:(L+W-R)/2,y:H-6,'text-anchor':'middle','font-size':12},xlabel,svg);
  txt('text',{x:14,y:(T+H-B)/2,'text-anchor':'middle','font-size':12,transform:'rotate(-90 14 '+(T+H-B)/2+')'},ylabel,svg);
  // Alternate labels above and below their lines: baselines often sit close.
  hlines.forEach(function(h,i){el('line',{x1:L,x2:W-R,y1:Y(h.y),y2:Y(h.y),stroke:h.color,'stroke-dasharray':'6 4','class':'ref'},svg);
    txt('text',{x:W-R-4,y:Y(h.y)+(i%2?13:-4),'text-anchor':'end','font-size':11,fill:h.color},h.name,svg);});
  series.forEach(function(s){
    if(s.dots){s.pts.forEach(function(p){var c=el('circle',{cx:X(p[0]),cy:Y(p[1]),r:2.5,fill:s.color,'fill-opacity':0.55,'class':'point'},svg);
      if(p[2])txt('title',{},p[2],c);points++;});}
    else if(s.pts.length){el('polyline',{points:s.pts.map(function(p){return X(p[0])+','+Y(p[1]);}).join(' '),fill:'none',stroke:s.color,'stroke-width':2,'stroke-dasharray':s.dash||'','class':'line'},svg);points+=s.pts.length;}});
  var lg=document.createElement('div');lg.className='legend';
  series.concat(hlines).forEach(function(s){var sp=document.createElement('span'),i=document.createElement('i');i.style.background=s.color;sp.appendChild(i);sp.appendChild(document.createTextNode(s.name));lg.appendChild(sp);});
  host.appendChild(lg);charts++;}
// The baseline's finish time counts its set-up; against time it is the line.
function shown(p,xkey){return xkey!=='at_s'||p.candidate!==0;}
function pts(key,xkey){var out=[];D.series.forEach(function(p){if(shown(p,xkey)&&p[key]!==null&&p[key]!==undefined)out.push([p[xkey],p[key]]);});return out;}
function dots(xkey){var out=[];D.series.forEach(function(p){if(shown(p,xkey)&&p.score!==null)out.push([p[xkey],p.score,'#'+p.candidate+' '+p.status]);});return out;}
function hl(){var h=[];if(D.baseline.train!==null)h.push({name:'baseline (train)',color:'#8a5a00',y:D.baseline.train});
  if(D.baseline.test!==null)h.push({name:'baseline (test)',color:'#b08a40',y:D.baseline.test});
  var colors=['#7a3ea0','#a03e6e','#3e7aa0','#3ea07a'];
  D.references.forEach(function(r,i){if(r.train!==null)h.push({name:'reference '+r.name+' (train)',color:colors[i%4],y:r.train});});return h;}
['seq','at_s'].forEach(function(xk){
  plot('plot-'+xk,[{name:'candidate scores',color:'#9aa3b0',pts:dots(xk),dots:true},
    {name:'best (train)',color:'#1f5fbf',pts:pts('best_train',xk)},{name:'median (train)',color:'#5fa0e0',pts:pts('median_train',xk),dash:'4 3'},
    {name:'best (test)',color:'#c0392b',pts:pts('best_test',xk)},{name:'median (test)',color:'#e08a7a',pts:pts('median_test',xk),dash:'4 3'}],
    hl(),xk==='seq'?'candidates finished':'seconds of run time','score');});
if(D.pareto_front.length){var f=D.pareto_front.map(function(p){return [p.objectives[0],p.objectives[1],'#'+p.candidate];});
  f.sort(function(a,b){return a[0]-b[0];});
  plot('plot-pareto',[{name:'Pareto front',color:'#1f5fbf',pts:f,dots:true},{name:'front',color:'#9ab8e8',pts:f}],[],'objective 1 (larger is better)','objective 2 (larger is better)');}
var w=D.health.windows.map(function(x){return x;});
plot('plot-health',[{name:'distinct programs per window',color:'#1f5fbf',pts:w.map(function(x){return [x.last_seq,x.distinct_fingerprints];})},
  {name:'new programs per window',color:'#2e9a4a',pts:w.map(function(x){return [x.last_seq,x.new_fingerprints];}),dash:'4 3'},
  {name:'window ends',color:'#1f5fbf',pts:w.map(function(x){return [x.last_seq,x.distinct_fingerprints];}),dots:true}],[],'candidates finished','programs');
plot('plot-coverage',[{name:'feature cells visited (fraction)',color:'#7a3ea0',pts:w.map(function(x){return [x.last_seq,x.coverage];})},
  {name:'window ends',color:'#7a3ea0',pts:w.map(function(x){return [x.last_seq,x.coverage];}),dots:true}],[],'candidates finished','coverage');
D.grids.forEach(function(g){var host=document.getElementById('grid-'+g.island);if(!host||!D.grid_dimensions.length)return;
  var bx=D.grid_dimensions[0].bins,by=D.grid_dimensions.length>1?D.grid_dimensions[1].bins:1,c=22,svg=el('svg',{'class':'plot',width:bx*c+40,height:by*c+30},host);
  var lo=Infinity,hi=-Infinity;g.cells.forEach(function(k){lo=Math.min(lo,k.score);hi=Math.max(hi,k.score);});
  for(var i=0;i<bx;i++)for(var j=0;j<by;j++)el('rect',{x:30+i*c,y:(by-1-j)*c+4,width:c-2,height:c-2,fill:'#f1f3f6'},svg);
  g.cells.forEach(function(k){var t=hi>lo?(k.score-lo)/(hi-lo):1,r=el('rect',{x:30+k.cell[0]*c,y:(by-1-(k.cell.length>1?k.cell[1]:0))*c+4,width:c-2,height:c-2,
    fill:k.feasible?'rgb('+Math.round(230-200*t)+','+Math.round(240-140*t)+',255)':'#f3c2c2','class':'cell'},svg);
    txt('title',{},'#'+k.candidate+' score '+fmt(k.score),r);points++;});
  txt('text',{x:30,y:by*c+22,'font-size':11},D.grid_dimensions[0].name+' \u2192',svg);charts++;});
status.textContent='rendered: '+charts+' charts, '+points+' points';
document.body.setAttribute('data-rendered','ok');document.body.setAttribute('data-charts',charts);document.body.setAttribute('data-points',points);
})();
)js";

void writeHead(raw_ostream &OS, StringRef Title, unsigned RefreshSeconds) {
  OS << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
     << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
        "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n";
  if (RefreshSeconds)
    OS << "<meta http-equiv=\"refresh\" content=\"" << RefreshSeconds
       << "\">\n";
  OS << "<title>" << escapeHTML(Title) << "</title>\n<style>" << Style
     << "</style></head>\n";
}

} // namespace

std::string renderMessageHTML(StringRef Title, StringRef Message,
                              unsigned RefreshSeconds) {
  std::string Out;
  raw_string_ostream OS(Out);
  writeHead(OS, Title, RefreshSeconds);
  OS << "<body data-rendered=\"message\"><h1>" << escapeHTML(Title)
     << "</h1>\n<p>" << escapeHTML(Message) << "</p></body></html>\n";
  return Out;
}

std::string renderHTML(const ReportData &R, unsigned RefreshSeconds) {
  std::string Out;
  raw_string_ostream OS(Out);
  std::string Problem = R.Problem.empty() ? "run" : R.Problem;
  writeHead(OS, "adrsc report: " + Problem, RefreshSeconds);
  OS << "<body>\n<h1>adrsc report: " << escapeHTML(Problem) << "</h1>\n"
     << "<p class=\"sub\">" << escapeHTML(R.RunDir) << " &middot; "
     << R.Candidates << " candidates";
  if (R.Pending)
    OS << " (" << R.Pending << " in flight)";
  OS << " &middot; " << format("%.1f", R.Elapsed) << " s";
  if (!R.Strategy.empty())
    OS << " &middot; strategy " << escapeHTML(R.Strategy);
  if (R.StartedFromBaselines)
    OS << " &middot; started from the spec's baselines";
  if (!R.StopReason.empty())
    OS << " &middot; stopped: " << escapeHTML(R.StopReason);
  if (RefreshSeconds)
    OS << " &middot; live, refreshed every " << RefreshSeconds << " s";
  OS << "</p>\n<div id=\"render-status\">the plots need JavaScript</div>\n";

  // Scores.
  OS << "<h2>Score</h2>\n<table><tr><th></th><th>train</th><th>test</th></tr>"
     << "<tr><th>best #" << R.BestId << "</th><td class=\"num\">"
     << score(R.Best.getNumber("score")) << "</td><td class=\"num\">";
  if (const json::Object *T = R.Best.getObject("test"))
    OS << score(T->getNumber("score"));
  OS << "</td></tr><tr><th>baseline</th><td class=\"num\">"
     << score(R.BaselineTrain) << "</td><td class=\"num\">"
     << score(R.BaselineTest) << "</td></tr>";
  for (const Reference &Ref : R.References)
    OS << "<tr><th>reference " << escapeHTML(Ref.Name)
       << "</th><td class=\"num\">" << score(Ref.Train)
       << "</td><td class=\"num\">" << score(Ref.Test) << "</td></tr>";
  OS << "</table>\n<h3>Against candidates</h3><div id=\"plot-seq\"></div>\n"
     << "<h3>Against time</h3><div id=\"plot-at_s\"></div>\n"
     << "<p class=\"note\">The test workloads are evaluated for each new "
        "best only, so the test lines follow the bests.</p>\n";
  OS << "<table><tr><th>status</th><th>candidates</th></tr>";
  for (const auto &[Status, N] : R.Statuses)
    OS << "<tr><td>" << escapeHTML(Status) << "</td><td class=\"num\">" << N
       << "</td></tr>";
  OS << "</table>\n";

  if (!R.Front.empty()) {
    OS << "<h2>Pareto front</h2>\n<p>" << R.Front.size()
       << " feasible candidates that no other beats on every objective "
          "(the first two objectives are plotted).</p><div "
          "id=\"plot-pareto\"></div>\n<table><tr><th>candidate</th><th>"
          "objectives</th></tr>";
    for (const auto &[Id, Objectives] : R.Front) {
      OS << "<tr><td>#" << Id << "</td><td>";
      for (size_t I = 0; I < Objectives.size(); ++I)
        OS << (I ? ", " : "") << format("%.4f", Objectives[I]);
      OS << "</td></tr>";
    }
    OS << "</table>\n";
  }
  if (!R.Grids.empty()) {
    OS << "<h2>MAP-Elites grids</h2>\n<p class=\"note\">Each island's best "
          "program per cell of ";
    for (size_t I = 0; I < R.GridDimensions.size(); ++I)
      OS << (I ? " &times; " : "") << escapeHTML(R.GridDimensions[I].Name)
         << " (" << R.GridDimensions[I].Bins << " bins)";
    OS << ", binned over the ranges the whole run reached (the search bins "
          "over the ranges seen so far, so a cell here may merge two of "
          "its cells); red: infeasible. Only the first two dimensions are "
          "drawn.</p>\n";
    for (const IslandGrid &G : R.Grids)
      OS << "<div class=\"grid\"><h3>island " << G.Island << " ("
         << G.Cells.size() << " cells)</h3><div id=\"grid-" << G.Island
         << "\"></div></div>\n";
  }

  // The winner.
  OS << "<h2>The winner: candidate #" << R.BestId << "</h2>\n";
  if (std::optional<StringRef> D = R.Best.getString("description"))
    OS << "<p>" << escapeHTML(*D) << "</p>\n";
  OS << "<h3>Lineage from the baseline</h3>\n<table><tr><th>candidate</th>"
        "<th>generator</th><th>operator</th><th>score</th><th>change</th>"
        "<th>edit</th></tr>\n";
  for (const LineageStep &S : R.Lineage) {
    OS << "<tr><td>#" << S.Id << "</td><td>" << escapeHTML(S.Generator)
       << "</td><td>" << escapeHTML(S.Operator) << "</td><td class=\"num\">"
       << score(S.Score) << "</td><td class=\"num\">" << signedScore(S.Change)
       << "</td><td>" << escapeHTML(S.Description);
    if (!S.Edit.empty())
      OS << "<details><summary>edit</summary><pre>" << escapeHTML(S.Edit)
         << "</pre></details>";
    OS << "</td></tr>\n";
  }
  OS << "</table>\n<h3>Diff from the initial program</h3>\n";
  if (R.BestDiff.empty())
    OS << "<p>None: the best is the initial program.</p>\n";
  else
    writeDiff(OS, R.BestDiff);
  OS << "<h3>Minimal form</h3>\n";
  if (const json::Object *M = R.Minimize.getAsObject()) {
    if (!R.MinimizeProblem.empty())
      OS << "<p><strong>" << escapeHTML(R.MinimizeProblem)
         << ".</strong></p>\n";
    OS << "<p>Candidate #" << M->getInteger("candidate").value_or(0)
       << ": score " << score(M->getNumber("score"))
       << "; with only the kept hunks " << score(M->getNumber("minimal_score"))
       << ".</p>\n<table><tr><th>file</th><th>kept</th><th>score without "
          "it</th><th>hunk</th></tr>\n";
    if (const json::Array *Hunks = M->getArray("hunks"))
      for (const json::Value &H : *Hunks) {
        const json::Object *HO = H.getAsObject();
        OS << "<tr><td>" << escapeHTML(HO->getString("file").value_or(""))
           << "</td><td>"
           << (HO->getBoolean("kept").value_or(false) ? "kept" : "dropped")
           << "</td><td class=\"num\">" << score(HO->getNumber("score_without"))
           << "</td><td>";
        writeDiff(OS, HO->getString("text").value_or(""));
        OS << "</td></tr>\n";
      }
    OS << "</table>\n<details><summary>minimal patch</summary>";
    writeDiff(OS, M->getString("minimal_patch").value_or(""));
    OS << "</details>\n";
  } else {
    if (!R.MinimizeProblem.empty())
      OS << "<p>" << escapeHTML(R.MinimizeProblem) << ".</p>\n";
    OS << "<p class=\"note\">Run <code>adrsc best " << escapeHTML(R.RunDir)
       << " --minimize</code> to find the smallest part of the diff that "
          "keeps the score; it writes minimize.json into the run directory "
          "and the report shows it here.</p>\n";
  }

  // Failure taxonomy.
  OS << "<h2>Failure taxonomy</h2>\n<p class=\"note\">The classes of the "
        "ADRS paper's Table 3, computed from the run database.</p>\n"
        "<table><tr><th>class</th><th>count</th><th>example</th><th>as "
        "computed</th></tr>\n";
  for (const FailureFigure &F : R.Failures) {
    OS << "<tr" << (F.Count ? "" : " class=\"zero\"") << "><td>"
       << escapeHTML(title(F.Class)) << "</td><td class=\"num\">" << F.Count
       << "</td><td>";
    if (F.Example)
      OS << "#" << *F.Example << "<br><small>" << escapeHTML(F.ExampleWhy)
         << "</small>";
    OS << "</td><td><small>" << escapeHTML(F.Definition)
       << "</small></td></tr>\n";
  }
  OS << "</table>\n";

  // Search health.
  const SearchHealth &H = R.Health;
  OS << "<h2>Search health</h2>\n<table><tr><th>best found at</th><td>"
     << "candidate #" << H.BestId << ", the " << H.BestSeq
     << "th to finish</td></tr><tr><th>distinct programs</th><td>"
     << H.DistinctFingerprints << " fingerprints in " << H.Candidates + 1
     << " candidates</td></tr><tr><th>feature space</th><td>";
  for (size_t I = 0; I < H.Dimensions.size(); ++I)
    OS << (I ? " &times; " : "") << escapeHTML(H.Dimensions[I].Name) << " ("
       << H.Dimensions[I].Bins << ")";
  OS << ": " << H.CellsVisited << " of " << H.Cells << " cells visited ("
     << format("%.1f", H.Cells ? 100.0 * H.CellsVisited / H.Cells : 0.0)
     << "%)</td></tr></table>\n";
  writeTunings(OS, R);
  OS << "<h3>Programs per window of " << H.Window
     << " candidates</h3><div id=\"plot-health\"></div>\n<h3>Feature-space "
        "coverage</h3><div id=\"plot-coverage\"></div>\n";

  // Throughput and cost.
  OS << "<h2>Throughput and cost</h2>\n<table><tr><th>candidates per "
        "second</th><td class=\"num\">"
     << format("%.3f", R.Elapsed > 0 ? R.Candidates / R.Elapsed : 0.0)
     << "</td></tr><tr><th>proposal</th><td class=\"num\">"
     << format("%.1f s", R.ProposalMs / 1000) << "</td><td><small>"
     << R.ProposalsTimed
     << " candidates timed (built-in edits, model requests)</small></td>"
        "</tr><tr><th>tuning</th><td class=\"num\">"
     << format("%.1f s", R.TuningMs / 1000) << "</td><td><small>"
     << R.Tunings.size()
     << " CMA-ES tunings, each in one child (its points compile once and "
        "run)</small></td></tr><tr><th>compile</th><td class=\"num\">"
     << format("%.1f s", R.CompileMs / 1000) << "</td><td><small>"
     << R.CompilesReused
     << " later runs of a candidate (cascade stages, repeats) linked the "
        "compile of its first</small>"
     << "</td></tr><tr><th>link</th><td class=\"num\">"
     << format("%.1f s", R.LinkMs / 1000)
     << "</td></tr><tr><th>run</th><td class=\"num\">"
     << format("%.1f s", R.RunMs / 1000)
     << "</td></tr><tr><th>evaluation wall time</th><td class=\"num\">"
     << format("%.1f s", R.EvaluationWallMs / 1000) << "</td></tr></table>\n";
  if (R.Models.empty()) {
    OS << "<p>No model was asked (no tokens, no cost).</p>\n";
  } else {
    OS << "<table><tr><th>model</th><th>requests</th><th>prompt "
          "tokens</th><th>completion tokens</th><th>USD</th></tr>";
    for (const auto &[Model, U] : R.Models)
      OS << "<tr><td>" << escapeHTML(Model) << "</td><td class=\"num\">"
         << U.Requests << "</td><td class=\"num\">" << U.PromptTokens
         << "</td><td class=\"num\">" << U.CompletionTokens
         << "</td><td class=\"num\">" << format("%.4f", U.CostUSD)
         << "</td></tr>";
    OS << "</table>\n";
  }
  if (!R.NotRecorded.empty()) {
    OS << "<h3>Not recorded</h3><ul>";
    for (const std::string &N : R.NotRecorded)
      OS << "<li>" << escapeHTML(N) << "</li>";
    OS << "</ul>\n";
  }
  OS << "<script type=\"application/json\" id=\"report-data\">"
     << scriptSafeJSON(toJSON(R)) << "</script>\n<script>" << Script
     << "</script>\n</body></html>\n";
  return Out;
}

} // namespace report
} // namespace adrs
