#pragma once
int decide(int Slack);
