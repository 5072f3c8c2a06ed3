//===- cloudcast.cpp - Cloudcast multi-cloud broadcast simulator ----------===//
//
// Reading the data (a CSV graph and JSON configurations, with a small JSON
// reader of our own: the simulator depends on nothing but the standard
// library) and the cost model of data/README.md. The order in which the
// overlay's regions and edges are visited, and the order of the floating
// point operations, are those of the Python reference, so the costs agree
// with it to the last digit that is printed.
//
//===----------------------------------------------------------------------===//

#include "cloudcast.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace cloudcast {

namespace {

//===----------------------------------------------------------------------===//
// A small JSON reader
//===----------------------------------------------------------------------===//

/// A JSON value. Objects keep their members in file order, which matters:
/// configurations are evaluated and summed in the order of the file.
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> items;                           // Array
  std::vector<std::pair<std::string, Json>> members; // Object

  const Json *get(const std::string &key) const {
    for (const auto &[k, v] : members)
      if (k == key)
        return &v;
    return nullptr;
  }
};

class JsonReader {
public:
  explicit JsonReader(const std::string &text) : text(text) {}

  bool read(Json &out, std::string &error) {
    bool ok = value(out, 0);
    if (ok) {
      skipSpace();
      if (pos != text.size())
        ok = fail("text after the JSON value");
    }
    if (!ok)
      error = "line " + std::to_string(line()) + ": " + message;
    return ok;
  }

private:
  const std::string &text;
  std::size_t pos = 0;
  std::string message;

  long line() const {
    return 1 + std::count(text.begin(),
                          text.begin() + std::min(pos, text.size()), '\n');
  }
  bool fail(const std::string &what) {
    if (message.empty())
      message = what;
    return false;
  }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  bool literal(const char *word) {
    std::size_t n = std::char_traits<char>::length(word);
    if (text.compare(pos, n, word) != 0)
      return fail("invalid value");
    pos += n;
    return true;
  }

  bool value(Json &out, int depth) {
    if (depth > 64)
      return fail("nesting is too deep");
    skipSpace();
    if (pos == text.size())
      return fail("unexpected end of file");
    char c = text[pos];
    if (c == '{')
      return object(out, depth);
    if (c == '[')
      return array(out, depth);
    if (c == '"') {
      out.kind = Json::String;
      return string(out.string);
    }
    if (c == 't' || c == 'f') {
      out.kind = Json::Bool;
      out.boolean = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      out.kind = Json::Null;
      return literal("null");
    }
    return number(out);
  }

  bool number(Json &out) {
    std::size_t start = pos;
    if (pos < text.size() && text[pos] == '-')
      ++pos;
    while (pos < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[pos])) ||
            text[pos] == '.' || text[pos] == 'e' || text[pos] == 'E' ||
            text[pos] == '+' || text[pos] == '-'))
      ++pos;
    std::string token = text.substr(start, pos - start);
    if (token.empty() || token == "-" ||
        !std::isdigit(static_cast<unsigned char>(token[token[0] == '-'])))
      return fail("invalid value");
    char *end = nullptr;
    errno = 0;
    out.kind = Json::Number;
    out.number = std::strtod(token.c_str(), &end);
    if (*end != '\0' || errno != 0 || !std::isfinite(out.number))
      return fail("invalid number '" + token + "'");
    return true;
  }

  bool string(std::string &out) {
    ++pos; // the opening quote
    while (pos < text.size() && text[pos] != '"') {
      char c = text[pos++];
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos == text.size())
        break;
      char e = text[pos++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        // Region and configuration names are ASCII.
        unsigned code = 0;
        for (int k = 0; k < 4; ++k, ++pos) {
          if (pos == text.size() ||
              !std::isxdigit(static_cast<unsigned char>(text[pos])))
            return fail("bad \\u escape");
          const char h = text[pos];
          code = code * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        if (code >= 0x80)
          return fail("\\u escapes beyond ASCII are not supported");
        out += static_cast<char>(code);
        break;
      }
      default:
        return fail(std::string("bad escape '\\") + e + "'");
      }
    }
    if (pos == text.size())
      return fail("unterminated string");
    ++pos; // the closing quote
    return true;
  }

  bool array(Json &out, int depth) {
    out.kind = Json::Array;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == ']') {
      ++pos;
      return true;
    }
    for (;;) {
      out.items.emplace_back();
      if (!value(out.items.back(), depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool object(Json &out, int depth) {
    out.kind = Json::Object;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      return true;
    }
    for (;;) {
      skipSpace();
      if (pos == text.size() || text[pos] != '"')
        return fail("expected a member name");
      std::string key;
      if (!string(key))
        return false;
      if (out.get(key))
        return fail("member '" + key + "' appears twice");
      skipSpace();
      if (pos == text.size() || text[pos] != ':')
        return fail("expected ':'");
      ++pos;
      out.members.emplace_back(std::move(key), Json());
      if (!value(out.members.back().second, depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }
};

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

bool readFile(const std::string &path, std::string &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

const char *const kProviderNames[kNumProviders] = {"aws", "gcp", "azure"};

bool providerOf(const std::string &region, Provider &out) {
  std::size_t colon = region.find(':');
  if (colon == std::string::npos || colon + 1 == region.size())
    return false;
  std::string prefix = region.substr(0, colon);
  for (int p = 0; p < kNumProviders; ++p)
    if (prefix == kProviderNames[p]) {
      out = static_cast<Provider>(p);
      return true;
    }
  return false;
}

bool parseDouble(std::string_view text, double &out) {
  char buffer[64];
  if (text.empty() || text.size() >= sizeof(buffer))
    return false;
  text.copy(buffer, text.size());
  buffer[text.size()] = '\0';
  char *end = nullptr;
  errno = 0;
  out = std::strtod(buffer, &end);
  return *end == '\0' && errno == 0 && std::isfinite(out);
}

/// Python's round(x, 2): the decimal with two digits nearest to the exact
/// value of x (ties to even), read back as a double. printf rounds exactly.
double round2(double x) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.2f", x);
  return std::strtod(buffer, nullptr);
}

bool integral(const Json *v, long lo, long hi, long &out) {
  if (!v || v->kind != Json::Number || v->number != std::floor(v->number) ||
      v->number < lo || v->number > hi)
    return false;
  out = static_cast<long>(v->number);
  return true;
}

} // namespace

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

int Graph::find(const std::string &name) const {
  for (int v = 0; v < numRegions(); ++v)
    if (regions[v] == name)
      return v;
  return -1;
}

bool parseEdges(const std::string &text, Graph &out, std::string &error) {
  out = Graph();
  // Regions are numbered in order of first appearance, as a graph library
  // inserting the edges one by one would number them.
  std::unordered_map<std::string_view, int> ids;
  long lineNo = 0;
  bool header = true;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.empty())
      continue;
    auto fail = [&](const std::string &what) {
      error = "line " + std::to_string(lineNo) + ": " + what;
      return false;
    };
    if (header) {
      if (line != "src,dst,cost_usd_per_gb,throughput_sent_bps")
        return fail("expected the header "
                    "'src,dst,cost_usd_per_gb,throughput_sent_bps'");
      header = false;
      continue;
    }

    std::string_view fields[4];
    int numFields = 0;
    for (std::size_t from = 0;; ++numFields) {
      std::size_t comma = line.find(',', from);
      if (numFields < 4)
        fields[numFields] = line.substr(from, comma - from);
      if (comma == std::string_view::npos)
        break;
      from = comma + 1;
    }
    if (++numFields != 4)
      return fail("expected 4 comma-separated fields, got " +
                  std::to_string(numFields));
    int ends[2];
    for (int k = 0; k < 2; ++k) {
      auto [it, added] = ids.emplace(fields[k], out.numRegions());
      ends[k] = it->second;
      if (!added)
        continue;
      Provider p;
      if (!providerOf(std::string(fields[k]), p))
        return fail("region names are 'aws:...', 'gcp:...' or 'azure:...', "
                    "not '" +
                    std::string(fields[k]) + "'");
      out.regions.emplace_back(fields[k]);
      out.providers.push_back(p);
    }
    if (ends[0] == ends[1])
      return fail("an edge from " + std::string(fields[0]) + " to itself");
    double cost = 0, bps = 0;
    if (!parseDouble(fields[2], cost) || cost < 0)
      return fail("bad cost '" + std::string(fields[2]) + "'");
    if (!parseDouble(fields[3], bps) || !(bps > 0))
      return fail("bad throughput '" + std::string(fields[3]) + "'");
    out.edges.push_back(Edge{ends[0], ends[1], cost, bps});
  }
  if (header) {
    error = "the edges file is empty";
    return false;
  }

  const std::size_t n = out.regions.size();
  out.out.assign(n, {});
  out.edgeIndex.assign(n * n, -1);
  for (std::size_t i = 0; i < out.edges.size(); ++i) {
    const Edge &e = out.edges[i];
    int &slot = out.edgeIndex[static_cast<std::size_t>(e.from) * n + e.to];
    if (slot >= 0) {
      error = "the edge " + out.regions[e.from] + " -> " + out.regions[e.to] +
              " appears twice";
      return false;
    }
    slot = static_cast<int>(i);
    out.out[e.from].push_back(slot);
  }
  return true;
}

bool loadEdges(const std::string &path, Graph &out, std::string &error) {
  std::string text;
  if (!readFile(path, text, error))
    return false;
  if (!parseEdges(text, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Configurations
//===----------------------------------------------------------------------===//

bool parseConfigs(const std::string &text, const Graph &graph, ConfigFile &out,
                  std::string &error) {
  out = ConfigFile();
  Json root;
  if (!JsonReader(text).read(root, error))
    return false;
  auto fail = [&](const std::string &what) {
    error = what;
    return false;
  };
  if (root.kind != Json::Object)
    return fail("the file is not a JSON object");

  long fileVMs = 1;
  if (const Json *v = root.get("num_vms"); v && !integral(v, 1, 1000, fileVMs))
    return fail("'num_vms' must be a whole number from 1 to 1000");

  const Json *bounds = root.get("score_bounds");
  const Json *lower = bounds ? bounds->get("lower") : nullptr;
  const Json *upper = bounds ? bounds->get("upper") : nullptr;
  if (!lower || !upper || lower->kind != Json::Number ||
      upper->kind != Json::Number || !(lower->number < upper->number))
    return fail(
        "'score_bounds' must be {\"lower\": L, \"upper\": U} with L < U");
  out.scoreLower = lower->number;
  out.scoreUpper = upper->number;

  const Json *configs = root.get("configs");
  if (!configs || configs->kind != Json::Object || configs->members.empty())
    return fail("'configs' must be a non-empty object");

  // Providers that occur in the graph need limits.
  bool present[kNumProviders] = {};
  for (Provider p : graph.providers)
    present[static_cast<int>(p)] = true;

  for (const auto &[name, c] : configs->members) {
    auto bad = [&, &name = name](const std::string &what) {
      return fail("configuration '" + name + "': " + what);
    };
    if (c.kind != Json::Object)
      return bad("not an object");
    Config config;
    config.name = name;

    const Json *source = c.get("source_node");
    if (!source || source->kind != Json::String)
      return bad("'source_node' must be a region name");
    config.source = graph.find(source->string);
    if (config.source < 0)
      return bad("unknown region '" + source->string + "'");

    const Json *dests = c.get("dest_nodes");
    if (!dests || dests->kind != Json::Array || dests->items.empty())
      return bad("'dest_nodes' must be a non-empty list of region names");
    for (const Json &d : dests->items) {
      if (d.kind != Json::String)
        return bad("'dest_nodes' must be a list of region names");
      int id = graph.find(d.string);
      if (id < 0)
        return bad("unknown region '" + d.string + "'");
      if (id == config.source)
        return bad("the source " + d.string + " is also a destination");
      if (std::find(config.destinations.begin(), config.destinations.end(),
                    id) != config.destinations.end())
        return bad("destination " + d.string + " is listed twice");
      if (graph.edge(config.source, id) < 0)
        return bad("no direct edge from the source to " + d.string);
      config.destinations.push_back(id);
    }

    const Json *volume = c.get("data_vol");
    if (!volume || volume->kind != Json::Number || !(volume->number > 0))
      return bad("'data_vol' must be a positive number of GB");
    config.dataVolumeGB = volume->number;

    long partitions = 0, vms = fileVMs;
    if (!integral(c.get("num_partitions"), 1, 1000, partitions))
      return bad("'num_partitions' must be a whole number from 1 to 1000");
    config.numPartitions = static_cast<int>(partitions);
    if (const Json *v = c.get("num_vms"); v && !integral(v, 1, 1000, vms))
      return bad("'num_vms' must be a whole number from 1 to 1000");
    config.numVMs = static_cast<int>(vms);

    const char *limitKeys[2] = {"ingress_limit", "egress_limit"};
    double *limits[2] = {config.ingressLimitGbps, config.egressLimitGbps};
    for (int k = 0; k < 2; ++k) {
      const Json *l = c.get(limitKeys[k]);
      if (!l || l->kind != Json::Object)
        return bad(std::string("'") + limitKeys[k] +
                   "' must be an object of Gbps per provider");
      for (int p = 0; p < kNumProviders; ++p) {
        const Json *v = l->get(kProviderNames[p]);
        if (!v && !present[p])
          continue;
        if (!v || v->kind != Json::Number || !(v->number > 0))
          return bad(std::string("'") + limitKeys[k] + "' needs a positive '" +
                     kProviderNames[p] + "'");
        limits[k][p] = v->number;
      }
    }
    out.configs.push_back(std::move(config));
  }
  return true;
}

bool loadConfigs(const std::string &path, const Graph &graph, ConfigFile &out,
                 std::string &error) {
  std::string text;
  if (!readFile(path, text, error))
    return false;
  if (!parseConfigs(text, graph, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// The policy's view
//===----------------------------------------------------------------------===//

Problem makeProblem(const Graph &graph, const Config &config) {
  Problem p;
  const int n = graph.numRegions();
  p.regions = graph.regions;
  p.providers = graph.providers;
  p.out.resize(n);
  p.ingressLimitGbps.resize(n);
  p.egressLimitGbps.resize(n);
  for (int v = 0; v < n; ++v) {
    p.out[v].reserve(graph.out[v].size());
    for (int e : graph.out[v]) {
      const Edge &edge = graph.edges[e];
      p.out[v].push_back(Link{edge.to, edge.costPerGB,
                              config.numVMs * edge.throughputSentBps / 1e9});
    }
    const int provider = static_cast<int>(graph.providers[v]);
    p.ingressLimitGbps[v] = config.numVMs * config.ingressLimitGbps[provider];
    p.egressLimitGbps[v] = config.numVMs * config.egressLimitGbps[provider];
  }
  p.source = config.source;
  p.destinations = config.destinations;
  p.numPartitions = config.numPartitions;
  p.dataVolumeGB = config.dataVolumeGB;
  p.numVMs = config.numVMs;
  return p;
}

//===----------------------------------------------------------------------===//
// Simulation
//===----------------------------------------------------------------------===//

namespace {

constexpr std::size_t kMaxReasons = 8;

/// Why \p path is not a valid path from \p source to \p dest, or "".
std::string checkPath(const Graph &graph, const Path &path, int source,
                      int dest, std::vector<int> &visitedMark, int mark) {
  const int n = graph.numRegions();
  if (path.size() < 2)
    return path.empty() ? "the path is empty" : "the path has a single region";
  for (std::size_t k = 0; k < path.size(); ++k) {
    int v = path[k];
    if (v < 0 || v >= n)
      return "region index " + std::to_string(v) + " at position " +
             std::to_string(k) + " does not exist";
    if (visitedMark[v] == mark)
      return "the path visits " + graph.regions[v] + " twice";
    visitedMark[v] = mark;
  }
  if (path.front() != source)
    return "the path starts at " + graph.regions[path.front()] +
           ", not at the source " + graph.regions[source];
  if (path.back() != dest)
    return "the path ends at " + graph.regions[path.back()] +
           ", not at the destination";
  for (std::size_t k = 0; k + 1 < path.size(); ++k)
    if (graph.edge(path[k], path[k + 1]) < 0)
      return "there is no edge " + graph.regions[path[k]] + " -> " +
             graph.regions[path[k + 1]];
  return "";
}

} // namespace

SimResult simulate(const Graph &graph, const Config &config,
                   const Broadcast &paths) {
  SimResult result;
  const int n = graph.numRegions();
  const int numDests = static_cast<int>(config.destinations.size());
  const int numParts = config.numPartitions;
  // Counts \p count invalid slots or surplus paths, keeping the first reasons.
  auto invalid = [&](int dest, int part, int count, const std::string &why) {
    result.invalidPaths += count;
    if (result.invalidReasons.size() < kMaxReasons)
      result.invalidReasons.push_back(
          (dest < numDests
               ? "destination " + graph.regions[config.destinations[dest]]
               : "entry " + std::to_string(dest) + " of the paths") +
          (part >= 0 ? ", partition " + std::to_string(part) : "") + ": " +
          why);
  };

  // 1. The path of every (destination, partition) slot: the policy's when it
  // is valid, the direct edge otherwise. Entries beyond the slots count too.
  std::vector<int> visitedMark(n, -1);
  std::vector<const Path *> chosen(static_cast<std::size_t>(numDests) *
                                   numParts);
  std::vector<Path> direct(numDests);
  for (int i = 0; i < numDests; ++i) {
    const int dest = config.destinations[i];
    direct[i] = Path{config.source, dest};
    const std::vector<Path> *given =
        i < static_cast<int>(paths.size()) ? &paths[i] : nullptr;
    const int numGiven = given ? static_cast<int>(given->size()) : 0;
    for (int j = 0; j < numParts; ++j) {
      const Path *&slot = chosen[static_cast<std::size_t>(i) * numParts + j];
      slot = &direct[i];
      if (j >= numGiven) {
        invalid(i, j, 1, "no path was given");
        continue;
      }
      std::string why = checkPath(graph, (*given)[j], config.source, dest,
                                  visitedMark, i * numParts + j);
      if (why.empty())
        slot = &(*given)[j];
      else
        invalid(i, j, 1, why);
    }
    if (numGiven > numParts)
      invalid(i, -1, numGiven - numParts,
              std::to_string(numGiven - numParts) + " paths beyond the " +
                  std::to_string(numParts) + " partitions");
  }
  for (std::size_t i = numDests; i < paths.size(); ++i)
    invalid(static_cast<int>(i), -1,
            std::max(1, static_cast<int>(paths[i].size())),
            "there are only " + std::to_string(numDests) + " destinations");

  // 2. The overlay: its regions in order of first appearance, its edges in
  // order of first use, each with the set of partitions it carries.
  struct OverlayEdge {
    int edge;              // index in graph.edges
    double flow;           // Gbit/s
    int numPartitions = 0; // |P_e|
  };
  std::vector<OverlayEdge> overlay;
  std::vector<int> overlayOf(graph.edges.size(), -1);
  std::vector<std::uint8_t> carries; // [overlay edge * numParts + partition]
  std::vector<int> nodeOrder;
  std::vector<char> inOverlay(n, 0);
  std::vector<std::vector<int>> inEdges(n), outEdges(n);
  auto addNode = [&](int v) {
    if (!inOverlay[v]) {
      inOverlay[v] = 1;
      nodeOrder.push_back(v);
    }
  };
  for (int i = 0; i < numDests; ++i)
    for (int j = 0; j < numParts; ++j) {
      const Path &path = *chosen[static_cast<std::size_t>(i) * numParts + j];
      for (std::size_t k = 0; k + 1 < path.size(); ++k) {
        const int e = graph.edge(path[k], path[k + 1]);
        int &o = overlayOf[e];
        if (o < 0) {
          o = static_cast<int>(overlay.size());
          const Edge &edge = graph.edges[e];
          overlay.push_back(
              OverlayEdge{e, config.numVMs * edge.throughputSentBps / 1e9});
          carries.resize(carries.size() + numParts, 0);
          addNode(edge.from);
          addNode(edge.to);
          outEdges[edge.from].push_back(o);
          inEdges[edge.to].push_back(o);
        }
        std::uint8_t &bit = carries[static_cast<std::size_t>(o) * numParts + j];
        if (!bit) {
          bit = 1;
          ++overlay[o].numPartitions;
        }
      }
    }

  // 3. Bandwidth limits: region by region, when the flows into (out of) a
  // region exceed its limit, each of those edges gets at most an equal share.
  for (int v : nodeOrder) {
    const int provider = static_cast<int>(graph.providers[v]);
    const double ingress = config.numVMs * config.ingressLimitGbps[provider];
    const double egress = config.numVMs * config.egressLimitGbps[provider];
    double inSum = 0, outSum = 0;
    for (int o : inEdges[v])
      inSum += overlay[o].flow;
    for (int o : outEdges[v])
      outSum += overlay[o].flow;
    if (inSum > ingress)
      for (int o : inEdges[v])
        overlay[o].flow =
            std::min(overlay[o].flow,
                     ingress * (1.0 / static_cast<double>(inEdges[v].size())));
    if (outSum > egress)
      for (int o : outEdges[v])
        overlay[o].flow =
            std::min(overlay[o].flow,
                     egress * (1.0 / static_cast<double>(outEdges[v].size())));
  }

  // 4. Transfer time: the slowest edge, which carries each of its partitions
  // once whatever the number of destinations behind it.
  const double partitionGB = config.dataVolumeGB / numParts;
  double t = -HUGE_VAL;
  for (const OverlayEdge &o : overlay)
    t = std::max(t, o.numPartitions * partitionGB * 8 / o.flow);

  // 5. Cost: egress per GB on every overlay edge, and numVMs VMs in every
  // overlay region for the transfer time rounded to 0.01 s.
  double egressCost = 0;
  for (int v : nodeOrder)
    for (int o : outEdges[v])
      egressCost += overlay[o].numPartitions * partitionGB *
                    graph.edges[overlay[o].edge].costPerGB;
  const double runtime = round2(t);
  double instanceCost = 0;
  for (std::size_t k = 0; k < nodeOrder.size(); ++k)
    instanceCost += config.numVMs * (kInstanceCostPerHour / 3600) * runtime;

  result.egressCost = egressCost;
  result.instanceCost = instanceCost;
  result.cost = egressCost + instanceCost;
  result.transferSeconds = t;
  result.regionsUsed = static_cast<int>(nodeOrder.size());
  result.edgesUsed = static_cast<int>(overlay.size());
  return result;
}

double scoreFromCost(double cost, double lower, double upper) {
  const double clamped = std::min(std::max(cost, lower), upper);
  return 100 * (upper - clamped) / (upper - lower);
}

} // namespace cloudcast
