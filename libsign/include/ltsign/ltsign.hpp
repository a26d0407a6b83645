// The public API of ltsign: the only header an integrator needs.
#pragma once

#include "ltsign/container.hpp"
#include "ltsign/digest.hpp"
#include "ltsign/error.hpp"
#include "ltsign/evidence.hpp"
#include "ltsign/inspect.hpp"
#include "ltsign/report.hpp"
#include "ltsign/sign.hpp"
#include "ltsign/signer.hpp"
#include "ltsign/time.hpp"
#include "ltsign/timestamp.hpp"
#include "ltsign/trust.hpp"
#include "ltsign/tsa_server.hpp"
#include "ltsign/verdict.hpp"
#include "ltsign/verify.hpp"
#include "ltsign/version.hpp"
