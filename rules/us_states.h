/* The two-letter codes of US states, DC and the inhabited territories (USPS), the places
 * whose Medicaid programs certify peer specialists. */
#pragma once

/* NULL-terminated, in alphabetical order. */
extern const char *const US_STATE_CODES[];
