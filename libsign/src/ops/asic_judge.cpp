// The verdict on a container (EN 319 162-1 with EN 319 102-1): every signature, lone time-stamp
// and evidence record judged on its own, each listed with the entries it covers; an entry that
// nothing covers is noted (it may have been added after signing), never silently passed over.
#include <algorithm>

#include "core/text.hpp"
#include "ltsign/language.hpp"
#include "ops/container.hpp"
#include "validation/evidence.hpp"

namespace ltsign::ops {
namespace {

void list_covered(SignatureReport& r, const ContainerItem& item) {
    if (!r.signed_data.empty()) return;  // XAdES names its references itself
    for (const auto& name : item.covers) r.signed_data.push_back({name, "entry " + name, ""});
}

std::string describe(const ContainerEntry& e) {
    return trf("\"{0}\" ({1} bytes)", {core::printable(e.name), std::to_string(e.size)});
}

// A name as a disk that ignores case, trailing dots and spaces, and invisible characters would
// store it (Windows, macOS by default): two entries with one key would be one file there.
std::string look_alike_key(const std::string& name) {
    std::string s = core::nfc(name);
    for (const char* invisible : {"\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"}) {
        for (auto at = s.find(invisible); at != std::string::npos; at = s.find(invisible))
            s.erase(at, std::string_view(invisible).size());
    }
    std::string out;
    for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
    return out;
}

// The covered entry an uncovered one would be taken for, if any.
const ContainerEntry* look_alike(const ContainerEntry& e, const std::vector<ContainerEntry>& all) {
    const std::string key = look_alike_key(e.name);
    for (const auto& other : all) {
        if (&other != &e && !other.covered_by.empty() && look_alike_key(other.name) == key)
            return &other;
    }
    return nullptr;
}

}  // namespace

void judge_container(Evidence& evidence, const std::filesystem::path&,
                     const ValidationContext& context, TimePoint at, FileReport& report) {
    ContainerEvidence& ce = *evidence.container;
    std::vector<const ContainerItem*> items;
    for (std::size_t i = 0; i < evidence.signatures.size(); ++i) {
        report.signatures.push_back(validation::evaluate(evidence.signatures[i], context, at));
        items.push_back(&ce.signature_items[i]);
    }
    for (std::size_t i = 0; i < ce.tokens.size(); ++i) {
        report.signatures.push_back(validation::evaluate(ce.tokens[i], context, at));
        report.signatures.back().notes.push_back(
            {NoteCode::timestamp_token_only,
             trf("{0} is an RFC 3161 time-stamp token: it proves that what it covers existed at "
                 "its time, never who signed it",
                 {ce.token_items[i].entry})});
        items.push_back(&ce.token_items[i]);
    }
    for (std::size_t i = 0; i < ce.records.size(); ++i) {
        report.signatures.push_back(validation::judge_evidence_record(ce.records[i], context, at));
        items.push_back(&ce.record_items[i]);
    }
    for (std::size_t i = 0; i < items.size(); ++i) list_covered(report.signatures[i], *items[i]);

    report.entries = ce.entries;
    std::vector<Note> notes = ce.notes;
    for (auto& e : report.entries) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            const auto& covers = items[i]->covers;
            if (std::find(covers.begin(), covers.end(), e.name) != covers.end())
                e.covered_by.push_back(i);
        }
    }
    for (const auto& e : report.entries) {
        if (!e.covered_by.empty()) continue;
        const auto* signed_one = look_alike(e, report.entries);
        notes.push_back(
            {NoteCode::entry_not_covered,
             signed_one == nullptr
                 ? trf("the entry {0} is covered by no signature, time-stamp or evidence record in "
                       "the container: it may have been added after signing",
                       {describe(e)})
                 : trf("the entry {0} is covered by no signature, time-stamp or evidence record in "
                       "the container: it may have been added after signing; it looks like the "
                       "covered entry {1} (equal but for case, trailing dots or spaces, or "
                       "invisible characters), and unpacked on a disk that ignores those it would "
                       "replace it",
                       {describe(e), describe(*signed_one)})});
    }
    if (!report.signatures.empty()) {
        auto& first = report.signatures.front().notes;
        first.insert(first.end(), notes.begin(), notes.end());
    }
}

Inspection container_inspection(const Input& input) {
    const auto c = asic::Container::open(input.path, input.what);
    Evidence ev = container_evidence(c, {});
    const ContainerEvidence& ce = *ev.container;
    Inspection out{input.path, ce.format, {}};
    InspectField entries{"entries", std::to_string(c.zip().entries().size()), {}};
    for (const auto& e : c.zip().entries()) {
        if (e.directory) continue;
        entries.children.push_back(
            {core::printable(e.name),
             std::to_string(e.size) + " bytes" + (e.method == 0 ? ", stored" : ", deflated"),
             {}});
    }
    out.fields.push_back(std::move(entries));
    auto add_items = [&](const char* kind, const std::vector<ContainerItem>& items) {
        for (const auto& item : items) {
            InspectField f{kind, item.entry, {}};
            for (const auto& covered : item.covers)
                f.children.push_back({"covers", core::printable(covered), {}});
            out.fields.push_back(std::move(f));
        }
    };
    add_items("signature", ce.signature_items);
    add_items("time-stamp", ce.token_items);
    add_items("evidence record", ce.record_items);
    for (const auto& e : ce.entries) {
        bool covered = false;
        for (const auto* items : {&ce.signature_items, &ce.token_items, &ce.record_items}) {
            for (const auto& item : *items) {
                covered = covered || std::find(item.covers.begin(), item.covers.end(), e.name) !=
                                         item.covers.end();
            }
        }
        if (!covered) out.fields.push_back({"not covered", core::printable(e.name), {}});
    }
    return out;
}

}  // namespace ltsign::ops
