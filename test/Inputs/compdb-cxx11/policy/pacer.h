#ifndef PACER_H
#define PACER_H

/// The policy's state: made and destroyed by the simulator, whose unit
/// calls the constructor and the destructor defined in pacer.cpp.
class Pacer {
public:
  explicit Pacer(int Base);
  ~Pacer();
  int next(int X);

private:
  int Base;
  int Calls;
};

#endif
