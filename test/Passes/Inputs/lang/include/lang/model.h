// The data model of the candidate-language tests: a job to place.
#ifndef LANG_MODEL_H
#define LANG_MODEL_H

namespace lang {

struct Job {
  double Size = 1;
  int Priority = 0;
  const double *History = nullptr; ///< History[0 .. Length-1], read-only.
  int Length = 0;
};

/// The project's own helper; a region may call it.
double weight(const Job &J);

} // namespace lang

#endif
