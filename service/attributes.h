/* Compiler attributes used across peerd. */
#pragma once

/* The result says whether the call worked; ignoring it is a defect. */
#define MUST_CHECK __attribute__((warn_unused_result))
