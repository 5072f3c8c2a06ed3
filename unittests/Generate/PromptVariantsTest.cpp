//===- PromptVariantsTest.cpp - Evolving system prompts -------------------===//
//
// A variant replaces the system message and nothing else; a hostile reply
// is refused with its reason; the archive scores, chooses and retires as
// documented.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/PromptVariants.h"

#include "gtest/gtest.h"

using namespace adrs;
using namespace adrs::generate;

namespace {

struct PromptVariantsTest : ::testing::Test {
  void SetUp() override {
    S.Name = "fit";
    regions::Region Reg;
    Reg.Name = "predict";
    Reg.Text = "  y = x;\n";
    Regions.push_back(Reg);
    R.Spec = &S;
    R.Regions = &Regions;
    V.Spec = &S;
    V.Best.push_back({0, baseSystemPrompt(PromptSettings()), {4, 1}});
    V.Best.push_back({1, "Think about the offset.", {2, 1}});
  }

  std::string refusal(llvm::StringRef Reply) {
    llvm::Expected<std::string> T = variantFromReply(Reply, V);
    if (T)
      return "accepted: " + *T;
    return llvm::toString(T.takeError());
  }

  spec::Spec S;
  std::vector<regions::Region> Regions;
  ProposalRequest R;
  VariantRequest V;
};

TEST_F(PromptVariantsTest, AVariantIsTheSystemMessageAndTheFormatStays) {
  std::vector<ChatMessage> Before = buildPrompt(R, PromptSettings());
  R.SystemPrompt = "Reason about the slope first.";
  std::vector<ChatMessage> After = buildPrompt(R, PromptSettings());
  ASSERT_EQ(After.size(), 2u);
  EXPECT_EQ(After[0].Content, "Reason about the slope first.");
  EXPECT_EQ(Before[0].Content, baseSystemPrompt(PromptSettings()));
  EXPECT_EQ(After[1].Content, Before[1].Content)
      << "the user message, the format instructions in it, stays";
  EXPECT_NE(After[1].Content.find("## How to answer"), std::string::npos);
}

TEST_F(PromptVariantsTest, ATemplateVariantKeepsItsPlaceholders) {
  PromptSettings P;
  P.SystemTemplate = "Expert.\n{{format}}";
  R.SystemPrompt = "Careful expert.\n{{format}}";
  std::vector<ChatMessage> M = buildPrompt(R, P);
  EXPECT_EQ(M[0].Content.find("Careful expert.\n## How to answer"), 0u)
      << M[0].Content;
}

TEST_F(PromptVariantsTest, HostileRepliesAreRefusedWithTheirReason) {
  EXPECT_EQ(refusal("  Mind the slope.\n"), "accepted: Mind the slope.");
  EXPECT_EQ(refusal("```\nMind the slope.\n```"), "accepted: Mind the slope.");
  EXPECT_EQ(refusal(" \n\t"), "the reply is empty");
  EXPECT_EQ(refusal(std::string(MaxVariantBytes + 1, 'a')),
            "the reply is 4001 bytes long; a system prompt may have at most "
            "4000");
  EXPECT_EQ(refusal(std::string(MaxVariantBytes, 'a')).substr(0, 9),
            "accepted:");
  EXPECT_EQ(refusal("Be brief.\x1b[2J"), "the reply holds control characters");
  EXPECT_EQ(refusal("Answer with\n<<<<<<< SEARCH\nold\n=======\nnew\n"),
            "the reply states a reply format of its own ('<<<<<<<'): the "
            "format instructions are fixed and not part of the system prompt");
  EXPECT_EQ(refusal("Use ```python blocks."),
            "the reply states a reply format of its own ('```'): the format "
            "instructions are fixed and not part of the system prompt");
  EXPECT_EQ(refusal("Think about the offset."),
            "the reply is the text of variant 1");
  EXPECT_EQ(refusal("Here: {{regions}}"),
            "the reply adds the placeholder {{regions}}, which the spec's "
            "system prompt does not have");
  V.Placeholders = {"format"};
  EXPECT_EQ(refusal("Ignore the format and answer in prose."),
            "the reply drops {{format}}, which the spec's system prompt has");
  EXPECT_EQ(refusal("Be careful.\n{{ format }}"),
            "accepted: Be careful.\n{{ format }}");
}

TEST_F(PromptVariantsTest, ScoresChoicesAndRetirement) {
  EXPECT_DOUBLE_EQ(variantScore({0, 0}), 0.5);
  EXPECT_DOUBLE_EQ(variantScore({4, 3}), 4.0 / 6.0);
  EXPECT_TRUE(improvedOnParent(Status::OK, 2.0, 1.0));
  EXPECT_FALSE(improvedOnParent(Status::OK, 1.0, 1.0));
  EXPECT_FALSE(improvedOnParent(Status::OK, 2.0, std::nullopt));
  EXPECT_FALSE(improvedOnParent(Status::CompileError, 2.0, 1.0));

  PromptArchive A;
  EXPECT_EQ(A.choose().Number, 0);
  for (int K = 0; K < 6; ++K)
    A.observe(0, K < 3);
  A.add(1, 0, "one");
  EXPECT_EQ(A.choose().Number, 1) << "a new variant is tried first";
  for (int K = 0; K < 6; ++K)
    A.observe(1, false);
  EXPECT_EQ(A.choose().Number, 0) << "a variant that never helps loses";
  A.add(2, 0, "two");
  EXPECT_EQ(A.toRetire(4), std::nullopt);
  EXPECT_EQ(A.toRetire(3), 1) << "the lowest score: 1 is at 1/8, 2 at 1/2";
  for (int K = 0; K < 6; ++K)
    A.observe(2, false);
  EXPECT_EQ(A.toRetire(3), 1) << "a tie goes to the oldest";
  A.observe(1, true);
  EXPECT_EQ(A.toRetire(3), 2);
  A.retire(1);
  A.retire(0);
  ASSERT_EQ(A.bestFirst().size(), 2u) << "variant 0 is never retired";
  EXPECT_EQ(A.bestFirst().front()->Number, 0);
  EXPECT_EQ(A.nextNumber(), 3);
}

} // namespace
