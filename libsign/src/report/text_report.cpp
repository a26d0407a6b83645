// Text for people: one line per file with the verdict first, details indented.
#include "core/text.hpp"
#include "ltsign/inspect.hpp"
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
        return (a.source == "trust-config" ? "the trust configuration's anchor \"" + a.label + "\""
                                           : a.label) +
               " (" + a.source + ")";
    }
    const auto type_at = a.service_type.find("/Svctype/");
    const std::string type =
        type_at == std::string::npos ? a.service_type : a.service_type.substr(type_at + 9);
    return "the service \"" + a.service + "\" of " + a.tsp + " (" + type + ", " +
           last_segment(a.status) + ") on the trusted list of " + a.territory +
           (a.qualification.empty() ? "" : "; supports " + a.qualification);
}

void signature_lines(const SignatureReport& s, const std::string& indent, bool colour,
                     std::string& out) {
    out += indent + std::string(to_string(s.type)) + ": " +
           verdict_text(s.indication, s.sub_indication, colour);
    if (s.level != SignatureLevel::none) out += "  level " + std::string(to_string(s.level));
    out += "\n";
    const std::string in = indent + "  ";
    out += in + "why: " + s.explanation + "\n";
    if (!s.signer.empty()) out += in + "signer: " + s.signer + "\n";
    if (s.signing_time)
        out += in + "claimed signing time: " + format_rfc3339(*s.signing_time) + "\n";
    if (s.best_signature_time)
        out += in + "best signature time: " + format_rfc3339(*s.best_signature_time) + "\n";
    if (s.anchored_by) out += in + "anchored by: " + anchor_line(*s.anchored_by) + "\n";
    if (!s.digest_algorithm.empty()) {
        out += in + "algorithms: " + s.digest_algorithm +
               (s.signature_algorithm.empty() ? "" : ", " + s.signature_algorithm) + "\n";
    }
    if (s.renew_by) {
        out += in + "renew by: " + format_rfc3339(*s.renew_by) +
               (s.renew_from ? " (useful from " + format_rfc3339(*s.renew_from) + ")" : "") + "\n";
    }
    for (const auto& d : s.signed_data) {
        out += in + "signed: " + (d.uri.empty() ? "URI \"\"" : d.uri) + " -> " + d.target +
               (d.mime_type.empty() ? "" : " (" + d.mime_type + ")") + "\n";
    }
    for (const auto& n : s.notes) out += in + "note: " + n.text + "\n";
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
    out += verdict_text(complete ? Indication::total_passed : Indication::total_failed,
                        SubIndication::none, colour) +
           "  " + core::printable(d.manifest) + "  delivery " +
           (complete ? "complete" : "INCOMPLETE") + ": " + std::to_string(d.documents) +
           " document(s) listed";
    if (d.sealed_at) out += ", sealed at " + format_rfc3339(*d.sealed_at);
    out += "\n";
    if (!d.problem.empty()) out += "  manifest: " + d.problem + "\n";
    const std::pair<const char*, const std::vector<std::string>*> lists[] = {
        {"missing document", &d.missing_documents},
        {"missing record", &d.missing_records},
        {"changed record", &d.changed_records},
        {"unsealed file", &d.unsealed_files},
        {"unlisted record", &d.extra_records}};
    for (const auto& [label, names] : lists) {
        for (const auto& n : *names) out += std::string("  ") + label + ": " + n + "\n";
    }
    if (!d.documents_checked) {
        out +=
            "  note: the documents were not looked for; give their folder to check that each "
            "is there and nothing was added\n";
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
            out += "  error: " + core::printable(f.error_message) + "\n";
            continue;
        }
        if (f.data) out += "  document: " + core::printable(*f.data) + "\n";
        for (const auto& s : f.signatures) signature_lines(s, "  ", colour, out);
    }
    for (const auto& d : deliveries) {
        if (!options.quiet || !d.complete()) delivery_lines(d, colour, out);
    }
    // A service that did not answer is said once, not once per signature that needed it.
    for (const auto& v : silent_services) {
        out += "service " + v.service + " did not answer (" + v.reason + ")" +
               (v.requests_spared > 0 ? "; " + std::to_string(v.requests_spared) +
                                            " later request(s) to it were not made"
                                      : "") +
               "\n";
    }
    const Summary s = summary();
    out += std::to_string(files.size()) + " file(s) verified at " +
           format_rfc3339(validation_time) + ": " + std::to_string(s.passed) + " passed, " +
           std::to_string(s.failed) + " failed, " + std::to_string(s.indeterminate) +
           " indeterminate\n";
    if (trust_list) {
        int used = 0;
        for (const auto& l : trust_list->lists) used += l.used ? 1 : 0;
        out += "  trusted lists: snapshot " + core::printable(trust_list->path) + " (" +
               trust_list->digest + "), " + std::to_string(used) + " of " +
               std::to_string(trust_list->lists.size()) + " list(s) used\n";
        for (const auto& l : trust_list->lists) {
            if (!l.used) {
                out +=
                    "  not used: the list " + l.territory + " (" + l.url + "): " + l.problem + "\n";
            }
        }
    }
    if (s.timestamps + s.evidence_records > 0) {
        // A token or a record proves existence, not a signature: say how many are which.
        out += "  of these, " + std::to_string(s.signatures) + " hold signatures, " +
               std::to_string(s.timestamps) + " only a time-stamp token, " +
               std::to_string(s.evidence_records) + " only an evidence record\n";
    }
    // The summary ends with what did not pass, one line each, so the one failure in a batch of
    // thousands is the last thing on the screen.
    if (s.passed < s.total) {
        out += "not passed:\n";
        for (const auto& f : files) {
            if (f.indication == Indication::total_passed) continue;
            std::string why = core::printable(f.error_message);
            for (const auto& sig : f.signatures) {
                if (why.empty() && sig.indication != Indication::total_passed)
                    why = sig.explanation;
            }
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
