// Text for people: one line per file with the verdict first, details indented.
#include "core/text.hpp"
#include "ltsign/inspect.hpp"
#include "ltsign/language.hpp"
#include "ltsign/report.hpp"

namespace ltsign {
namespace {

std::string verdict_text(Indication i, SubIndication s, bool colour) {
    std::string text(to_string(i));
    if (s != SubIndication::none) text += "/" + std::string(to_string(s));
    if (!colour) return text;
    const char* code = i == Indication::total_passed   ? "\033[32m"
                       : i == Indication::total_failed ? "\033[31m"
                                                       : "\033[33m";
    return code + text + "\033[0m";
}

std::string last_segment(const std::string& uri) {
    const auto slash = uri.find_last_of('/');
    return slash == std::string::npos ? uri : uri.substr(slash + 1);
}

// "anchored by: service X of TSP Y (CA/QC, granted) on the trusted list of SE; supports QES".
std::string anchor_line(const AnchorUse& a) {
    if (a.source != "trusted-list") {
        return (a.source == "trust-config"
                    ? trf("the trust configuration's anchor \"{0}\"", {a.label})
                    : a.label) +
               " (" + a.source + ")";
    }
    const auto type_at = a.service_type.find("/Svctype/");
    const std::string type =
        type_at == std::string::npos ? a.service_type : a.service_type.substr(type_at + 9);
    return trf("the service \"{0}\" of {1} ({2}, {3}) on the trusted list of {4}",
               {a.service, a.tsp, type, last_segment(a.status), a.territory}) +
           (a.qualification.empty() ? "" : trf("; supports {0}", {a.qualification}));
}

// Why a file did not pass: its error, else the first signature that did not pass.
std::string reason_of(const FileReport& f) {
    std::string why = core::printable(f.error_message);
    for (const auto& sig : f.signatures) {
        if (why.empty() && sig.indication != Indication::total_passed) why = sig.explanation;
    }
    return why;
}

// The verdict as one sentence that names what was verified, the document and the reason, for a
// reader who does not know the ETSI codes.
std::string verdict_sentence(const FileReport& f) {
    const std::string file = core::printable(f.path);
    const std::string doc = f.data ? core::printable(*f.data) : std::string();
    const bool failed = f.indication == Indication::total_failed;
    std::string sentence;
    if (f.format == FileFormat::timestamp_token) {
        if (f.data) {
            sentence =
                failed ? trf("The time-stamp {0} does not hold for the document {1}", {file, doc})
                       : trf("The time-stamp {0} for the document {1} could not be "
                             "confirmed",
                             {file, doc});
        } else {
            sentence = failed ? trf("The time-stamp {0} is not valid", {file})
                              : trf("The time-stamp {0} could not be confirmed", {file});
        }
    } else if (f.format == FileFormat::ers_asn1 || f.format == FileFormat::ers_xml) {
        if (f.data) {
            sentence = failed ? trf("The evidence record {0} does not hold for the document {1}",
                                    {file, doc})
                              : trf("The evidence record {0} for the document {1} could not be "
                                    "confirmed",
                                    {file, doc});
        } else {
            sentence = failed ? trf("The evidence record {0} is not valid", {file})
                              : trf("The evidence record {0} could not be confirmed", {file});
        }
    } else if (f.data) {
        sentence = failed ? trf("The signature {0} of the document {1} is not valid", {file, doc})
                          : trf("The signature {0} of the document {1} could not be confirmed",
                                {file, doc});
    } else {
        sentence = failed ? trf("The signature in {0} is not valid", {file})
                          : trf("The signature in {0} could not be confirmed", {file});
    }
    const std::string why = reason_of(f);
    return why.empty() ? sentence + "." : sentence + ": " + why + ".";
}

// What an entry is, as a word for people (the JSON keeps the code, to_string(EntryType)).
std::string entry_word(EntryType type) {
    switch (type) {
        case EntryType::signature:
            return tr("signature");
        case EntryType::timestamp:
            return tr("timestamp");
        case EntryType::evidence_record:
            return tr("evidence-record");
        case EntryType::archive_timestamp:
            return tr("archive-timestamp");
    }
    return std::string(to_string(type));
}

void signature_lines(const SignatureReport& s, const std::string& indent, bool colour,
                     std::string& out) {
    out +=
        indent + entry_word(s.type) + ": " + verdict_text(s.indication, s.sub_indication, colour);
    if (s.level != SignatureLevel::none) out += "  " + trf("level {0}", {to_string(s.level)});
    out += "\n";
    const std::string in = indent + "  ";
    out += in + tr("why:") + " " + s.explanation + "\n";
    if (!s.signer.empty()) out += in + tr("signer:") + " " + s.signer + "\n";
    if (s.signing_time)
        out += in + tr("claimed signing time:") + " " + format_rfc3339(*s.signing_time) + "\n";
    if (s.best_signature_time) {
        out +=
            in + tr("best signature time:") + " " + format_rfc3339(*s.best_signature_time) + "\n";
    }
    if (s.anchored_by) out += in + tr("anchored by:") + " " + anchor_line(*s.anchored_by) + "\n";
    if (!s.digest_algorithm.empty()) {
        out += in + tr("algorithms:") + " " + s.digest_algorithm +
               (s.signature_algorithm.empty() ? "" : ", " + s.signature_algorithm) + "\n";
    }
    if (s.renew_by) {
        out +=
            in + tr("renew by:") + " " + format_rfc3339(*s.renew_by) +
            (s.renew_from ? " " + trf("(useful from {0})", {format_rfc3339(*s.renew_from)}) : "") +
            "\n";
    }
    for (const auto& d : s.signed_data) {
        out += in + tr("signed:") + " " + (d.uri.empty() ? "URI \"\"" : d.uri) + " -> " + d.target +
               (d.mime_type.empty() ? "" : " (" + d.mime_type + ")") + "\n";
    }
    for (const auto& n : s.notes) out += in + tr("note:") + " " + n.text + "\n";
    for (const auto& t : s.timestamps) signature_lines(t, in, colour, out);
}

void field_lines(const InspectField& f, const std::string& indent, std::string& out) {
    out += indent + f.name;
    if (!f.value.empty()) out += ": " + f.value;
    out += "\n";
    for (const auto& c : f.children) field_lines(c, indent + "  ", out);
}

// One line with the delivery's verdict first, then every name that makes it incomplete.
void delivery_lines(const DeliveryReport& d, bool colour, std::string& out) {
    const bool complete = d.complete();
    out +=
        verdict_text(complete ? Indication::total_passed : Indication::total_failed,
                     SubIndication::none, colour) +
        "  " + core::printable(d.manifest) + "  " +
        (complete
             ? trf("delivery complete: {0} document(s) listed", {std::to_string(d.documents)})
             : trf("delivery INCOMPLETE: {0} document(s) listed", {std::to_string(d.documents)}));
    if (d.sealed_at) out += trf(", sealed at {0}", {format_rfc3339(*d.sealed_at)});
    out += "\n";
    if (!d.problem.empty()) out += "  " + tr("manifest:") + " " + d.problem + "\n";
    const std::pair<std::string, const std::vector<std::string>*> lists[] = {
        {tr("missing document:"), &d.missing_documents},
        {tr("missing record:"), &d.missing_records},
        {tr("changed record:"), &d.changed_records},
        {tr("unsealed file:"), &d.unsealed_files},
        {tr("unlisted record:"), &d.extra_records}};
    for (const auto& [label, names] : lists) {
        for (const auto& n : *names) out += "  " + label + " " + n + "\n";
    }
    if (!d.documents_checked) {
        out += "  " + tr("note:") + " " +
               tr("the documents were not looked for; give their folder to check that each is "
                  "there and nothing was added") +
               "\n";
    }
}

}  // namespace

std::string BatchReport::to_text(bool colour) const {
    return to_text(TextOptions{colour, false, false});
}

std::string BatchReport::to_text(const TextOptions& options) const {
    const bool colour = options.colour;
    std::string out;
    for (const auto& f : files) {
        if (options.quiet || (options.only_problems && f.indication == Indication::total_passed))
            continue;
        out += verdict_text(f.indication, f.sub_indication, colour) + "  " +
               core::printable(f.path) + "\n";
        if (f.error) {
            out += "  " + tr("error:") + " " + core::printable(f.error_message) + "\n";
            continue;
        }
        if (f.data) out += "  " + tr("document:") + " " + core::printable(*f.data) + "\n";
        if (f.indication != Indication::total_passed)
            out += "  " + tr("verdict:") + " " + verdict_sentence(f) + "\n";
        for (const auto& s : f.signatures) signature_lines(s, "  ", colour, out);
    }
    for (const auto& d : deliveries) {
        if (!options.quiet || !d.complete()) delivery_lines(d, colour, out);
    }
    // A service that did not answer is said once, not once per signature that needed it.
    for (const auto& v : silent_services) {
        out += trf("service {0} did not answer ({1})", {v.service, v.reason}) +
               (v.requests_spared > 0 ? trf("; {0} later request(s) to it were not made",
                                            {std::to_string(v.requests_spared)})
                                      : "") +
               "\n";
    }
    const Summary s = summary();
    out +=
        trf("{0} file(s) verified at {1}: {2} passed, {3} failed, {4} indeterminate",
            {std::to_string(files.size()), format_rfc3339(validation_time),
             std::to_string(s.passed), std::to_string(s.failed), std::to_string(s.indeterminate)}) +
        "\n";
    if (trust_list) {
        int used = 0;
        for (const auto& l : trust_list->lists) used += l.used ? 1 : 0;
        out += "  " +
               trf("trusted lists: snapshot {0} ({1}), {2} of {3} list(s) used",
                   {core::printable(trust_list->path), trust_list->digest, std::to_string(used),
                    std::to_string(trust_list->lists.size())}) +
               "\n";
        for (const auto& l : trust_list->lists) {
            if (!l.used) {
                out += "  " +
                       trf("not used: the list {0} ({1}): {2}", {l.territory, l.url, l.problem}) +
                       "\n";
            }
        }
    }
    if (s.timestamps + s.evidence_records > 0) {
        // A token or a record proves existence, not a signature: say how many are which.
        out += "  " +
               trf("of these, {0} hold signatures, {1} only a time-stamp token, {2} only an "
                   "evidence record",
                   {std::to_string(s.signatures), std::to_string(s.timestamps),
                    std::to_string(s.evidence_records)}) +
               "\n";
    }
    // The summary ends with what did not pass, one line each, so the one failure in a batch of
    // thousands is the last thing on the screen.
    if (s.passed < s.total) {
        out += tr("not passed:") + "\n";
        for (const auto& f : files) {
            if (f.indication == Indication::total_passed) continue;
            const std::string why = reason_of(f);
            out += "  " + verdict_text(f.indication, f.sub_indication, colour) + "  " +
                   core::printable(f.path) + (why.empty() ? "" : ": " + why) + "\n";
        }
    }
    return out;
}

std::string Inspection::to_text() const {
    std::string out = core::printable(path) + " (" + std::string(to_string(format)) + ")\n";
    for (const auto& f : fields) field_lines(f, "  ", out);
    return out;
}

}  // namespace ltsign
