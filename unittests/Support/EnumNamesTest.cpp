//===- EnumNamesTest.cpp - An enum's spellings, listed once ---------------===//

#include "adrs/Support/EnumNames.h"

#include "gtest/gtest.h"

using namespace adrs;

namespace {

enum class Colour { Red, Green, Blue };

constexpr EnumName<Colour> ColourNames[] = {
    {Colour::Red, "red"}, {Colour::Green, "green"}, {Colour::Blue, "blue"}};

TEST(EnumNamesTest, EveryValueReadsBackFromItsName) {
  for (const EnumName<Colour> &E : ColourNames) {
    EXPECT_EQ(nameOf(ColourNames, E.Value), E.Name);
    EXPECT_EQ(valueNamed(ColourNames, E.Name), E.Value);
  }
}

TEST(EnumNamesTest, NamesFromOutsideAreNotTrusted) {
  // A database or a child may send anything: only an exact name is a value.
  for (const char *Name : {"", "Red", "red ", "gree", "greenish", "blue\n"})
    EXPECT_EQ(valueNamed(ColourNames, Name), std::nullopt) << Name;
}

} // namespace
