#ifndef SCALE_H
#define SCALE_H

/// What the simulator adds to the policy's total.
double simWeight();

/// The policy: how much to give a request of size x.
double policy(double x);

#endif
