//===- Expr.cpp - Expressions over metrics --------------------------------===//

#include "adrs/Spec/Expr.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;

namespace adrs {
namespace spec {

ExprPtr Expr::number(double Value, SMRange Range) {
  auto E = std::make_shared<Expr>();
  E->K = Kind::Number;
  E->Number = Value;
  E->Range = Range;
  return E;
}

ExprPtr Expr::metric(std::string Name, SMRange Range) {
  auto E = std::make_shared<Expr>();
  E->K = Kind::Metric;
  E->Name = std::move(Name);
  E->Range = Range;
  return E;
}

ExprPtr Expr::unary(Kind K, ExprPtr Operand, SMRange Range) {
  auto E = std::make_shared<Expr>();
  E->K = K;
  E->Operands.push_back(std::move(Operand));
  E->Range = Range;
  return E;
}

ExprPtr Expr::binary(BinaryOp Op, ExprPtr LHS, ExprPtr RHS, SMRange Range) {
  auto E = std::make_shared<Expr>();
  E->K = Kind::Binary;
  E->Op = Op;
  E->Operands.push_back(std::move(LHS));
  E->Operands.push_back(std::move(RHS));
  E->Range = Range;
  return E;
}

ExprPtr Expr::call(std::string Callee, std::vector<ExprPtr> Args,
                   SMRange Range) {
  auto E = std::make_shared<Expr>();
  E->K = Kind::Call;
  E->Name = std::move(Callee);
  E->Operands = std::move(Args);
  E->Range = Range;
  return E;
}

static bool isComparison(Expr::BinaryOp Op) {
  switch (Op) {
  case Expr::BinaryOp::EQ:
  case Expr::BinaryOp::NE:
  case Expr::BinaryOp::LT:
  case Expr::BinaryOp::LE:
  case Expr::BinaryOp::GT:
  case Expr::BinaryOp::GE:
  case Expr::BinaryOp::And:
  case Expr::BinaryOp::Or:
    return true;
  default:
    return false;
  }
}

bool Expr::isCondition() const {
  if (K == Kind::Not)
    return true;
  return K == Kind::Binary && isComparison(Op);
}

StringRef spelling(Expr::BinaryOp Op) {
  switch (Op) {
  case Expr::BinaryOp::Add:
    return "+";
  case Expr::BinaryOp::Sub:
    return "-";
  case Expr::BinaryOp::Mul:
    return "*";
  case Expr::BinaryOp::Div:
    return "/";
  case Expr::BinaryOp::EQ:
    return "==";
  case Expr::BinaryOp::NE:
    return "!=";
  case Expr::BinaryOp::LT:
    return "<";
  case Expr::BinaryOp::LE:
    return "<=";
  case Expr::BinaryOp::GT:
    return ">";
  case Expr::BinaryOp::GE:
    return ">=";
  case Expr::BinaryOp::And:
    return "and";
  case Expr::BinaryOp::Or:
    return "or";
  }
  return "?";
}

// Binding strength, loosest first; matches the grammar.
static int precedence(const Expr &E) {
  switch (E.getKind()) {
  case Expr::Kind::Binary:
    switch (E.getOp()) {
    case Expr::BinaryOp::Or:
      return 1;
    case Expr::BinaryOp::And:
      return 2;
    case Expr::BinaryOp::Add:
    case Expr::BinaryOp::Sub:
      return 5;
    case Expr::BinaryOp::Mul:
    case Expr::BinaryOp::Div:
      return 6;
    default:
      return 4;
    }
  case Expr::Kind::Not:
    return 3;
  case Expr::Kind::Negate:
    return 7;
  default:
    return 8;
  }
}

static std::string formatNumber(double Value) {
  std::string S;
  raw_string_ostream OS(S);
  if (Value == std::floor(Value) && std::fabs(Value) < 1e15) {
    OS << format("%.0f", Value);
    return OS.str();
  }
  // Shortest text that reads back as the same double.
  for (int Digits = 1; Digits <= 17; ++Digits) {
    std::string Candidate;
    raw_string_ostream C(Candidate);
    C << format("%.*g", Digits, Value);
    C.flush();
    if (std::strtod(Candidate.c_str(), nullptr) == Value)
      return Candidate;
  }
  OS << format("%.17g", Value);
  return OS.str();
}

static void print(const Expr &E, raw_ostream &OS) {
  auto Operand = [&](const Expr &Child, bool Right) {
    int Mine = precedence(E), Theirs = precedence(Child);
    // Comparisons do not chain, and a right operand at equal precedence
    // needs parentheses to keep a - (b - c) as written.
    bool Paren = Theirs < Mine || (Theirs == Mine && (Right || Mine == 4));
    if (Paren)
      OS << '(';
    print(Child, OS);
    if (Paren)
      OS << ')';
  };
  switch (E.getKind()) {
  case Expr::Kind::Number:
    OS << formatNumber(E.getNumber());
    return;
  case Expr::Kind::Metric:
    OS << E.getName();
    return;
  case Expr::Kind::Negate:
    OS << '-';
    Operand(*E.operands()[0], false);
    return;
  case Expr::Kind::Not:
    OS << "not ";
    Operand(*E.operands()[0], false);
    return;
  case Expr::Kind::Binary:
    Operand(*E.operands()[0], false);
    OS << ' ' << spelling(E.getOp()) << ' ';
    Operand(*E.operands()[1], true);
    return;
  case Expr::Kind::Call:
    OS << E.getName() << '(';
    for (size_t I = 0; I < E.operands().size(); ++I) {
      if (I)
        OS << ", ";
      print(*E.operands()[I], OS);
    }
    OS << ')';
    return;
  }
}

std::string Expr::str() const {
  std::string S;
  raw_string_ostream OS(S);
  print(*this, OS);
  return OS.str();
}

static void collectMetrics(const Expr &E, std::vector<std::string> &Out) {
  if (E.getKind() == Expr::Kind::Metric) {
    if (!is_contained(Out, E.getName().str()))
      Out.push_back(E.getName().str());
    return;
  }
  for (const ExprPtr &Child : E.operands())
    collectMetrics(*Child, Out);
}

std::vector<std::string> Expr::metricsUsed() const {
  std::vector<std::string> Out;
  collectMetrics(*this, Out);
  return Out;
}

static const BuiltinFunction Builtins[] = {
    {"min", 1, ~0u}, {"max", 1, ~0u}, {"abs", 1, 1},  {"sqrt", 1, 1},
    {"log", 1, 1},   {"exp", 1, 1},   {"clip", 3, 3}, {"pow", 2, 2},
};

ArrayRef<BuiltinFunction> builtinFunctions() { return Builtins; }

const BuiltinFunction *lookupBuiltinFunction(StringRef Name) {
  for (const BuiltinFunction &F : Builtins)
    if (F.Name == Name)
      return &F;
  return nullptr;
}

static Error evalError(const Twine &Message) {
  return createStringError(inconvertibleErrorCode(), Message);
}

Expected<double> Expr::evaluate(
    const std::function<std::optional<double>(StringRef)> &Lookup) const {
  switch (K) {
  case Kind::Number:
    return Number;
  case Kind::Metric: {
    std::optional<double> V = Lookup(Name);
    if (!V)
      return evalError("metric '" + Name + "' was not reported");
    return *V;
  }
  case Kind::Negate:
  case Kind::Not: {
    Expected<double> V = Operands[0]->evaluate(Lookup);
    if (!V)
      return V.takeError();
    return K == Kind::Negate ? -*V : double(*V == 0);
  }
  case Kind::Binary: {
    Expected<double> L = Operands[0]->evaluate(Lookup);
    if (!L)
      return L.takeError();
    // and/or short-circuit so a guard can protect a division.
    if (Op == BinaryOp::And && *L == 0)
      return 0.0;
    if (Op == BinaryOp::Or && *L != 0)
      return 1.0;
    Expected<double> R = Operands[1]->evaluate(Lookup);
    if (!R)
      return R.takeError();
    switch (Op) {
    case BinaryOp::Add:
      return *L + *R;
    case BinaryOp::Sub:
      return *L - *R;
    case BinaryOp::Mul:
      return *L * *R;
    case BinaryOp::Div:
      if (*R == 0)
        return evalError("division by zero in '" + str() + "'");
      return *L / *R;
    case BinaryOp::EQ:
      return double(*L == *R);
    case BinaryOp::NE:
      return double(*L != *R);
    case BinaryOp::LT:
      return double(*L < *R);
    case BinaryOp::LE:
      return double(*L <= *R);
    case BinaryOp::GT:
      return double(*L > *R);
    case BinaryOp::GE:
      return double(*L >= *R);
    case BinaryOp::And:
    case BinaryOp::Or:
      return double(*R != 0);
    }
    return 0.0;
  }
  case Kind::Call: {
    std::vector<double> Args;
    for (const ExprPtr &Operand : Operands) {
      Expected<double> V = Operand->evaluate(Lookup);
      if (!V)
        return V.takeError();
      Args.push_back(*V);
    }
    const BuiltinFunction *F = lookupBuiltinFunction(Name);
    if (!F || Args.size() < F->MinArgs || Args.size() > F->MaxArgs)
      return evalError("bad call '" + str() + "'");
    double Result = 0;
    if (Name == "min") {
      Result = *std::min_element(Args.begin(), Args.end());
    } else if (Name == "max") {
      Result = *std::max_element(Args.begin(), Args.end());
    } else if (Name == "abs") {
      Result = std::fabs(Args[0]);
    } else if (Name == "sqrt") {
      if (Args[0] < 0)
        return evalError("sqrt of a negative number in '" + str() + "'");
      Result = std::sqrt(Args[0]);
    } else if (Name == "log") {
      if (Args[0] <= 0)
        return evalError("log of a non-positive number in '" + str() + "'");
      Result = std::log(Args[0]);
    } else if (Name == "exp") {
      Result = std::exp(Args[0]);
    } else if (Name == "clip") {
      Result = std::min(std::max(Args[0], Args[1]), Args[2]);
    } else if (Name == "pow") {
      Result = std::pow(Args[0], Args[1]);
    }
    if (!std::isfinite(Result))
      return evalError("'" + str() + "' is not a finite number");
    return Result;
  }
  }
  return 0.0;
}

std::optional<double> Expr::constantValue() const {
  if (!metricsUsed().empty())
    return std::nullopt;
  Expected<double> V =
      evaluate([](StringRef) -> std::optional<double> { return std::nullopt; });
  if (!V) {
    consumeError(V.takeError());
    return std::nullopt;
  }
  return *V;
}

} // namespace spec
} // namespace adrs
