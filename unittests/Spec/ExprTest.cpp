//===- ExprTest.cpp - Expressions over metrics ----------------------------===//

#include "adrs/Spec/Expr.h"

#include "gtest/gtest.h"

#include <map>

using namespace adrs::spec;

namespace {

ExprPtr num(double V) { return Expr::number(V, {}); }
ExprPtr var(const char *Name) { return Expr::metric(Name, {}); }
ExprPtr bin(Expr::BinaryOp Op, ExprPtr L, ExprPtr R) {
  return Expr::binary(Op, std::move(L), std::move(R), {});
}

double eval(const ExprPtr &E, const std::map<std::string, double> &Metrics) {
  auto Result = E->evaluate([&](llvm::StringRef Name) -> std::optional<double> {
    auto It = Metrics.find(Name.str());
    if (It == Metrics.end())
      return std::nullopt;
    return It->second;
  });
  EXPECT_TRUE(bool(Result)) << llvm::toString(Result.takeError());
  return Result ? *Result : -1;
}

TEST(ExprTest, ArithmeticFollowsPrecedenceAsBuilt) {
  // 100 * (od - cost) / (od - spot)
  ExprPtr E = bin(Expr::BinaryOp::Div,
                  bin(Expr::BinaryOp::Mul, num(100),
                      bin(Expr::BinaryOp::Sub, var("od"), var("cost"))),
                  bin(Expr::BinaryOp::Sub, var("od"), var("spot")));
  EXPECT_DOUBLE_EQ(
      eval(E, {{"od", 146.88}, {"cost", 119.0345}, {"spot", 46.7088}}),
      100 * (146.88 - 119.0345) / (146.88 - 46.7088));
  EXPECT_EQ(E->str(), "100 * (od - cost) / (od - spot)");
  EXPECT_EQ(E->metricsUsed(), (std::vector<std::string>{"od", "cost", "spot"}));
}

TEST(ExprTest, PrintingKeepsRightAssociationExplicit) {
  ExprPtr E = bin(Expr::BinaryOp::Sub, var("a"),
                  bin(Expr::BinaryOp::Sub, var("b"), var("c")));
  EXPECT_EQ(E->str(), "a - (b - c)");
  EXPECT_DOUBLE_EQ(eval(E, {{"a", 10}, {"b", 4}, {"c", 1}}), 7);
}

TEST(ExprTest, ConditionsAndShortCircuit) {
  ExprPtr Guard =
      bin(Expr::BinaryOp::And, bin(Expr::BinaryOp::NE, var("n"), num(0)),
          bin(Expr::BinaryOp::GT, bin(Expr::BinaryOp::Div, var("x"), var("n")),
              num(1)));
  EXPECT_TRUE(Guard->isCondition());
  // n == 0: the division on the right is never evaluated.
  EXPECT_EQ(eval(Guard, {{"n", 0}, {"x", 5}}), 0);
  EXPECT_EQ(eval(Guard, {{"n", 2}, {"x", 5}}), 1);
}

TEST(ExprTest, ErrorsAreReportedNotNaN) {
  ExprPtr Div = bin(Expr::BinaryOp::Div, var("a"), var("b"));
  auto R = Div->evaluate([](llvm::StringRef N) -> std::optional<double> {
    return N == "a" ? 1.0 : 0.0;
  });
  ASSERT_FALSE(bool(R));
  EXPECT_NE(llvm::toString(R.takeError()).find("division by zero"),
            std::string::npos);

  auto Missing = var("nope")->evaluate(
      [](llvm::StringRef) -> std::optional<double> { return std::nullopt; });
  ASSERT_FALSE(bool(Missing));
  EXPECT_NE(llvm::toString(Missing.takeError()).find("'nope' was not reported"),
            std::string::npos);
}

TEST(ExprTest, BuiltinFunctions) {
  ExprPtr Clip = Expr::call("clip", {var("x"), num(0), num(1)}, {});
  EXPECT_EQ(eval(Clip, {{"x", 3}}), 1);
  EXPECT_EQ(eval(Clip, {{"x", -3}}), 0);
  ExprPtr Max = Expr::call("max", {var("x"), var("y"), num(2)}, {});
  EXPECT_EQ(eval(Max, {{"x", 1}, {"y", 5}}), 5);
  EXPECT_EQ(Max->str(), "max(x, y, 2)");
  ASSERT_NE(lookupBuiltinFunction("sqrt"), nullptr);
  EXPECT_EQ(lookupBuiltinFunction("sqr"), nullptr);
}

TEST(ExprTest, ConstantFolding) {
  EXPECT_EQ(bin(Expr::BinaryOp::Add, num(1), num(2))->constantValue(), 3.0);
  EXPECT_FALSE(bin(Expr::BinaryOp::Add, num(1), var("x"))->constantValue());
}

TEST(ExprTest, NumbersPrintShortestRoundTrip) {
  EXPECT_EQ(num(0.1)->str(), "0.1");
  EXPECT_EQ(num(20)->str(), "20");
  EXPECT_EQ(num(1e-9)->str(), "1e-09");
}

} // namespace
