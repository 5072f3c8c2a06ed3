// Helpers for the tiny simulator.
int clampSteps(int Steps) { return Steps < 0 ? 0 : Steps; }
