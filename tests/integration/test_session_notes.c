#include <criterion/criterion.h>

#include "fixtures.h"
#include "http.h"
