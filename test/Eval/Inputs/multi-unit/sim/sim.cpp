//===- sim.cpp - Adds up what each job costs ------------------------------===//

double placeCost(int Job);
double orderCost(int Job);

double simulate(int Jobs) {
  double Total = 0;
  for (int J = 0; J < Jobs; ++J)
    Total += placeCost(J) + orderCost(J);
  return Total;
}
