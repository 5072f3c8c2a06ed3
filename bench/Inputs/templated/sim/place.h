//===- place.h - Jobs placed on machines ----------------------------------===//
#ifndef TEMPLATED_PLACE_H
#define TEMPLATED_PLACE_H

#include <vector>

struct Job {
  int Id;
  double Size;
  int Affinity;
};

/// The machine each job goes to.
std::vector<int> place(const std::vector<Job> &Jobs, int Machines);

/// The makespan of a placement.
double makespan(const std::vector<Job> &Jobs, const std::vector<int> &Where,
                int Machines);

#endif
