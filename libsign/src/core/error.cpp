#include "ltsign/error.hpp"

namespace ltsign {

Error::Error(Errc code, std::string message, std::vector<std::string> causes)
    : std::runtime_error(std::move(message)), m_code(code), m_causes(std::move(causes)) {}

}  // namespace ltsign
