// The evidence-record judge from facts made by hand: which coverage, hash order and time-stamp
// outcome gives which verdict, explanation and notes (RFC 4998 5.3), with no record, TSA or
// server. The records the ers area reads are tested end to end in unit/ers and cli/ers_*.
#include <gtest/gtest.h>

#include "validation/evidence.hpp"

namespace ltsign {
namespace {
using validation::ArchiveChainFacts;
using validation::ArchiveStampFacts;
using validation::CoverageFit;
using validation::EvidenceRecordFacts;
using validation::ObjectCoverage;

const TimePoint k_at = *parse_rfc3339("2027-01-01T00:00:00Z");

// A time-stamp token whose signing certificate is not known: evaluate() leaves it INDETERMINATE,
// never TOTAL_FAILED, so the record's own facts decide.
validation::SignatureFacts token(const std::string& gen_time = "2026-06-01T12:05:00Z") {
    validation::SignatureFacts t;
    t.type = EntryType::timestamp;
    t.is_timestamp = true;
    t.gen_time = parse_rfc3339(gen_time);
    t.imprint = {validation::Check::passed, ""};
    return t;
}

ArchiveStampFacts first_stamp(std::vector<ObjectCoverage> objects) {
    ArchiveStampFacts s;
    s.where = "chain 1, time-stamp 1";
    s.objects = std::move(objects);
    s.token = token();
    return s;
}

template <typename... Stamps>
EvidenceRecordFacts record(Stamps&&... stamps) {
    EvidenceRecordFacts f;
    f.chain_count = 1;
    f.objects_given = true;
    ArchiveChainFacts chain;
    chain.md = EVP_sha256();
    (chain.stamps.push_back(std::forward<Stamps>(stamps)), ...);
    f.chains.push_back(std::move(chain));
    return f;
}

ObjectCoverage covered(std::vector<CoverageFit> fits) {
    return {"a.txt", core::Bytes(32, 0x11), std::move(fits)};
}

SignatureReport judge(const EvidenceRecordFacts& f, ErsHashOrder order = ErsHashOrder::both) {
    ValidationContext context;
    context.offline = true;
    context.ers_hash_order = order;
    return validation::judge_evidence_record(f, context, k_at);
}

bool has_note(const SignatureReport& r, const std::string& start) {
    for (const auto& n : r.notes) {
        if (n.text.starts_with(start)) return true;
    }
    return false;
}

TEST(EvidenceJudge, AFormatProblemComesFirst) {
    auto f = record(first_stamp({covered({{}})}));
    f.chains[0].format_problems = {"first problem", "digestAlgorithms does not list sha256"};
    const auto r = judge(f);
    EXPECT_EQ(r.type, EntryType::evidence_record);
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::format_failure);
    EXPECT_EQ(r.explanation, "digestAlgorithms does not list sha256");
}

TEST(EvidenceJudge, AChainOfUnknownAlgorithmEndsTheRecord) {
    auto f = record();
    f.chains[0].md = nullptr;
    const auto r = judge(f);
    EXPECT_EQ(r.sub_indication, SubIndication::format_failure);
    EXPECT_EQ(r.explanation, "chain 1 uses an unknown digest algorithm");
}

TEST(EvidenceJudge, ADocumentNotInTheTreeIsAHashFailureNamingIt) {
    const auto r = judge(record(first_stamp({covered({})})));
    EXPECT_EQ(r.indication, Indication::total_failed);
    EXPECT_EQ(r.sub_indication, SubIndication::hash_failure);
    EXPECT_EQ(r.explanation,
              "the record does not cover the document given (a.txt): its sha256 digest " +
                  std::string(64, '1') + " is not in chain 1, time-stamp 1");
}

// A fit that needs the sorted join: noted when accepted, a hash failure when the caller accepts
// only the unsorted one, and then the token is judged without a root.
TEST(EvidenceJudge, AFitInOneHashOrderOnlyIsNotedOrRefused) {
    auto stamp = first_stamp({covered({{.sorted = true, .unsorted = false}})});
    stamp.token_without_root = token();
    stamp.token_without_root->imprint = {validation::Check::not_possible, "no root"};
    const auto f = record(std::move(stamp));

    const auto sorted = judge(f, ErsHashOrder::sorted);
    EXPECT_NE(sorted.sub_indication, SubIndication::hash_failure) << sorted.explanation;
    EXPECT_TRUE(has_note(sorted, "chain 1 verifies with sorted concatenation"));

    const auto unsorted = judge(f, ErsHashOrder::unsorted);
    EXPECT_EQ(unsorted.sub_indication, SubIndication::hash_failure);
    EXPECT_EQ(
        unsorted.explanation,
        "chain 1, time-stamp 1 covers the document given only with sorted concatenation (h(d) "
        "and ha binary ascending, RFC 6283 4.2.2), which this verification does not accept");
    EXPECT_FALSE(has_note(unsorted, "chain 1 verifies with"));
}

TEST(EvidenceJudge, OnlyTheCanonicalFormFittingIsNoted) {
    const auto r = judge(record(first_stamp({covered({{.canonical = true}})})));
    EXPECT_TRUE(has_note(r, "the document given matches the record only in canonical XML form"));
    const auto both = judge(record(first_stamp({covered({{}, {.canonical = true}})})));
    EXPECT_FALSE(has_note(both, "the document given matches the record only in canonical"));
}

TEST(EvidenceJudge, ADocumentKnownByNoDigestTheChainNeedsIsSignedDataNotFound) {
    const auto r = judge(record(first_stamp({ObjectCoverage{"by digest", std::nullopt, {}}})));
    EXPECT_EQ(r.indication, Indication::indeterminate);
    EXPECT_EQ(r.sub_indication, SubIndication::signed_data_not_found);
    EXPECT_EQ(r.explanation,
              "the document given is known by no sha256 digest, which the record needs: give "
              "the document itself, or that digest too");
}

TEST(EvidenceJudge, TimeStampsAfterTheValidationTimeAreLeftOut) {
    auto s = first_stamp({covered({{}})});
    s.token = token("2028-01-01T00:00:00Z");
    const auto r = judge(record(std::move(s)));
    EXPECT_EQ(r.sub_indication, SubIndication::no_poe);
    EXPECT_TRUE(r.timestamps.empty());
    EXPECT_TRUE(has_note(r, "1 archive time-stamp(s) made after the validation time"));
    EXPECT_TRUE(has_note(r, "1 chain(s), 0 archive time-stamp(s)"));
}

// The first broken link decides: nothing after it is judged.
TEST(EvidenceJudge, NothingAfterTheFirstBrokenLinkIsJudged) {
    ArchiveStampFacts renewal;
    renewal.where = "chain 1, time-stamp 2";
    renewal.renewal = true;
    renewal.not_renewing = "chain 1, time-stamp 2 does not cover the time-stamp it renews";
    renewal.token = token("2026-07-01T00:00:00Z");
    ArchiveStampFacts third;
    third.where = "chain 1, time-stamp 3";
    third.renewal = true;
    third.token = token("2026-08-01T00:00:00Z");
    const auto r =
        judge(record(first_stamp({covered({{}})}), std::move(renewal), std::move(third)));
    EXPECT_EQ(r.sub_indication, SubIndication::hash_failure);
    EXPECT_EQ(r.explanation, "chain 1, time-stamp 2 does not cover the time-stamp it renews");
    EXPECT_EQ(r.timestamps.size(), 2u);
}

TEST(EvidenceJudge, TimeStampsOutOfOrderAreTimestampOrderFailure) {
    ArchiveStampFacts renewal;
    renewal.where = "chain 1, time-stamp 2";
    renewal.renewal = true;
    renewal.token = token("2026-01-01T00:00:00Z");
    const auto r = judge(record(first_stamp({covered({{}})}), std::move(renewal)));
    EXPECT_EQ(r.sub_indication, SubIndication::timestamp_order_failure);
    EXPECT_EQ(r.explanation,
              "chain 1, time-stamp 2 is dated 2026-01-01T00:00:00Z, before the time-stamp it "
              "renews (2026-06-01T12:05:00Z)");
}

TEST(EvidenceJudge, NotesFromReadingTheRecordComeLast) {
    auto f = record(first_stamp({covered({{}})}));
    f.notes = {{NoteCode::schema_not_performed, "schema validation was not performed"}};
    const auto r = judge(f);
    ASSERT_FALSE(r.notes.empty());
    EXPECT_EQ(r.notes.back().code, NoteCode::schema_not_performed);
    EXPECT_EQ(r.digest_algorithm, "sha256");
}

}  // namespace
}  // namespace ltsign
