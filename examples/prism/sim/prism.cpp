//===- prism.cpp - Prism global model placement ---------------------------===//
//
// Validation, scoring and the cases file parser. Everything here runs on the
// evaluator's own copy of a case, after the policy has returned.
//
//===----------------------------------------------------------------------===//

#include "prism.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace prism {

std::string checkPlacement(const Case &c, const Placement &placement) {
  const int n = c.numModels();
  if (static_cast<long>(placement.size()) != n)
    return "the placement has " + std::to_string(placement.size()) +
           " entries for " + std::to_string(n) +
           " models (one GPU id per model, in model order)";
  std::vector<double> size(static_cast<std::size_t>(c.numGpus), 0.0);
  for (int j = 0; j < n; ++j) {
    const int gpu = placement[static_cast<std::size_t>(j)];
    if (gpu < 0 || gpu >= c.numGpus)
      return "model " + std::to_string(j) + " is on GPU " +
             std::to_string(gpu) + ", which does not exist (GPUs 0.." +
             std::to_string(c.numGpus - 1) + ")";
    size[static_cast<std::size_t>(gpu)] +=
        c.models[static_cast<std::size_t>(j)].sizeGB;
  }
  for (int g = 0; g < c.numGpus; ++g)
    if (size[static_cast<std::size_t>(g)] > kGpuMemGB) {
      std::ostringstream why;
      why << "GPU " << g << " holds " << size[static_cast<std::size_t>(g)]
          << " GB of models, more than its " << kGpuMemGB << " GB";
      return why.str();
    }
  return "";
}

double maxKvpr(const Case &c, const Placement &placement) {
  std::vector<double> pressure(static_cast<std::size_t>(c.numGpus), 0.0);
  std::vector<double> size(static_cast<std::size_t>(c.numGpus), 0.0);
  for (std::size_t j = 0; j < c.models.size(); ++j) {
    const std::size_t gpu = static_cast<std::size_t>(placement[j]);
    pressure[gpu] += c.models[j].pressure();
    size[gpu] += c.models[j].sizeGB;
  }
  double worst = 0;
  for (std::size_t g = 0; g < pressure.size(); ++g)
    worst = std::max(worst, kvpr(pressure[g], size[g]));
  return worst;
}

Placement roundRobin(const Case &c) {
  Placement p(c.models.size());
  for (std::size_t j = 0; j < p.size(); ++j)
    p[j] = static_cast<int>(j % static_cast<std::size_t>(c.numGpus));
  return p;
}

double lowerBound(const Case &c) {
  double pressure = 0, size = 0;
  for (const Model &m : c.models) {
    pressure += m.pressure();
    size += m.sizeGB;
  }
  return pressure / (c.numGpus * kGpuMemGB - size);
}

double caseScore(double roundRobinKvpr, double lowerBoundKvpr, double x) {
  if (roundRobinKvpr > lowerBoundKvpr) {
    const double gained =
        (roundRobinKvpr - x) / (roundRobinKvpr - lowerBoundKvpr);
    return 100 * std::sqrt(std::min(std::max(gained, 0.0), 1.0));
  }
  return x <= lowerBoundKvpr ? 100 : 0;
}

namespace {

bool fail(std::string &error, long lineNo, const std::string &what) {
  error = "line " + std::to_string(lineNo) + ": " + what;
  return false;
}

/// A positive finite number, the whole of \p text.
bool parsePositive(const std::string &text, double &out) {
  const char *begin = text.c_str();
  char *end = nullptr;
  errno = 0;
  out = std::strtod(begin, &end);
  return end != begin && *end == '\0' && errno == 0 && std::isfinite(out) &&
         out > 0;
}

} // namespace

bool parseCases(std::istream &in, std::vector<Case> &out, std::string &error) {
  // Far above the generator's 9 GPUs and 18 models; the bounds only keep a
  // malformed file from asking for absurd amounts of work.
  const int maxGpus = 64, maxModels = 128;
  std::string line;
  long lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos || line.find('\t', tab + 1) != line.npos)
      return fail(error, lineNo,
                  "expected 'gpu_num <TAB> models', with one tab");

    Case c;
    double gpus = 0;
    const std::string gpuText = line.substr(0, tab);
    if (!parsePositive(gpuText, gpus) || gpus != std::floor(gpus) ||
        gpus > maxGpus)
      return fail(error, lineNo,
                  "gpu_num must be a whole number from 1 to " +
                      std::to_string(maxGpus) + ", got '" + gpuText + "'");
    c.numGpus = static_cast<int>(gpus);

    std::istringstream models(line.substr(tab + 1));
    std::string word;
    while (models >> word) {
      const std::size_t colon1 = word.find(':');
      const std::size_t colon2 =
          colon1 == word.npos ? word.npos : word.find(':', colon1 + 1);
      Model m;
      if (colon2 == word.npos || word.find(':', colon2 + 1) != word.npos ||
          !parsePositive(word.substr(0, colon1), m.sizeGB) ||
          !parsePositive(word.substr(colon1 + 1, colon2 - colon1 - 1),
                         m.reqRate) ||
          !parsePositive(word.substr(colon2 + 1), m.slo))
        return fail(error, lineNo,
                    "a model is size_gb:req_rate:slo, three positive "
                    "numbers, got '" +
                        word + "'");
      if (m.sizeGB > kGpuMemGB)
        return fail(error, lineNo,
                    "model '" + word + "' is larger than a GPU (80 GB)");
      c.models.push_back(m);
    }
    if (c.models.empty() || c.numModels() > maxModels)
      return fail(error, lineNo,
                  "a case has 1 to " + std::to_string(maxModels) +
                      " models, got " + std::to_string(c.models.size()));
    out.push_back(std::move(c));
  }
  if (in.bad())
    return fail(error, lineNo, "read error");
  return true;
}

bool loadCases(const std::string &path, std::vector<Case> &out,
               std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  if (!parseCases(in, out, error)) {
    error = path + ": " + error;
    return false;
  }
  if (out.empty()) {
    error = path + ": no cases";
    return false;
  }
  return true;
}

} // namespace prism
