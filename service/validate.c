#include "validate.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "civil_date.h"
#include "uuid.h"

#define FIELD_NAME_MAX 128

const char *member_text(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

void field_errors_init(struct field_errors *errors)
{
	errors->items = json_array();
	errors->count = 0;
}

void field_errors_free(struct field_errors *errors)
{
	json_decref(errors->items);
	errors->items = NULL;
}

bool field_errors_any(const struct field_errors *errors)
{
	return errors->count > 0;
}

void field_error(struct field_errors *errors, const char *field, const char *format, ...)
{
	char message[256];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof message, format, args);
	va_end(args);
	/* Counted before anything can fail: an error is never lost, even out of memory. */
	errors->count++;
	if (errors->count > FIELD_ERRORS_LISTED)
		return;
	json_array_append_new(errors->items,
			      json_pack("{s:s, s:s}", "field", field, "message", message));
}

/* Bytes in the UTF-8 sequence a lead byte starts: 1 to 4, or 5 for a byte that starts
 * none (0xf8 and up). A continuation byte counts as 1 and fails the checks after. */
static size_t utf8_sequence_length(unsigned char lead)
{
	return lead < 0x80 || (lead & 0xc0) == 0x80 ? 1
	       : (lead & 0xe0) == 0xc0		    ? 2
	       : (lead & 0xf0) == 0xe0		    ? 3
	       : (lead & 0xf8) == 0xf0		    ? 4
						    : 5;
}

bool utf8_is_valid(const char *text)
{
	const unsigned char *c = (const unsigned char *)text;
	while (*c) {
		unsigned char lead = *c;
		size_t extra = utf8_sequence_length(lead) - 1;
		if (extra == 4 || (lead & 0xc0) == 0x80 || lead == 0xc0 || lead == 0xc1 ||
		    lead > 0xf4)
			return false;
		unsigned long point = extra ? (unsigned long)(lead & (0x3f >> extra)) : lead;
		for (size_t i = 1; i <= extra; i++) {
			if ((c[i] & 0xc0) != 0x80)
				return false;
			point = point << 6 | (unsigned long)(c[i] & 0x3f);
		}
		static const unsigned long SMALLEST[] = {0, 0x80, 0x800, 0x10000};
		if (point < SMALLEST[extra] || point > 0x10ffff ||
		    (point >= 0xd800 && point <= 0xdfff))
			return false;
		c += extra + 1;
	}
	return true;
}

void utf8_cut_partial(char *text)
{
	size_t length = strlen(text);
	size_t start = length;
	while (start > 0 && ((unsigned char)text[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0)
		return;
	unsigned char lead = (unsigned char)text[start - 1];
	if (length - (start - 1) < utf8_sequence_length(lead))
		text[start - 1] = '\0';
}

void text_for_json(const char *in, char *out, size_t size)
{
	size_t used = 0;
	for (const unsigned char *c = (const unsigned char *)in; *c && used + 1 < size;) {
		char sequence[6] = {0};
		size_t length = utf8_sequence_length(*c);
		for (size_t i = 0; i < length && c[i]; i++)
			sequence[i] = (char)c[i];
		bool whole = strlen(sequence) == length && utf8_is_valid(sequence) && *c >= 0x20;
		if (!whole)
			length = 1;
		if (used + (whole ? length : 1) + 1 > size)
			break;
		if (whole)
			memcpy(out + used, sequence, length);
		else
			out[used] = '?';
		used += whole ? length : 1;
		c += length;
	}
	out[used] = '\0';
}

size_t utf8_length(const char *text)
{
	size_t count = 0;
	for (const unsigned char *c = (const unsigned char *)text; *c; c++)
		count += (*c & 0xc0) != 0x80;
	return count;
}

static bool all_digits(const char *text, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (!isdigit((unsigned char)text[i]))
			return false;
	}
	return true;
}

static int number_at(const char *text, size_t count)
{
	int value = 0;
	for (size_t i = 0; i < count; i++)
		value = value * 10 + (text[i] - '0');
	return value;
}

bool date_is_valid(const char *text)
{
	struct civil_date date;
	return civil_date_parse(text, &date);
}

bool timestamp_is_valid(const char *text)
{
	size_t length = strlen(text);
	if (length < 20 || (text[10] != 'T' && text[10] != 't'))
		return false;
	char day[11];
	memcpy(day, text, 10);
	day[10] = '\0';
	const char *time = text + 11;
	if (!date_is_valid(day) || time[2] != ':' || time[5] != ':' || !all_digits(time, 2) ||
	    !all_digits(time + 3, 2) || !all_digits(time + 6, 2) || number_at(time, 2) > 23 ||
	    number_at(time + 3, 2) > 59 || number_at(time + 6, 2) > 59)
		return false;
	const char *zone = time + 8;
	if (*zone == '.') {
		size_t digits = strspn(zone + 1, "0123456789");
		if (digits == 0 || digits > 9)
			return false;
		zone += 1 + digits;
	}
	if ((zone[0] == 'Z' || zone[0] == 'z') && zone[1] == '\0')
		return true;
	return (zone[0] == '+' || zone[0] == '-') && strlen(zone) == 6 && zone[3] == ':' &&
	       all_digits(zone + 1, 2) && all_digits(zone + 4, 2) && number_at(zone + 1, 2) <= 23 &&
	       number_at(zone + 4, 2) <= 59;
}

bool timestamp_epoch(const char *text, long long *out)
{
	if (!timestamp_is_valid(text))
		return false;
	struct tm at = {
		.tm_year = number_at(text, 4) - 1900,
		.tm_mon = number_at(text + 5, 2) - 1,
		.tm_mday = number_at(text + 8, 2),
		.tm_hour = number_at(text + 11, 2),
		.tm_min = number_at(text + 14, 2),
		.tm_sec = number_at(text + 17, 2),
	};
	long long seconds = (long long)timegm(&at);
	const char *zone = text + 19;
	if (*zone == '.')
		zone += 1 + strspn(zone + 1, "0123456789");
	if (*zone == '+' || *zone == '-') {
		long long offset = number_at(zone + 1, 2) * 3600LL + number_at(zone + 4, 2) * 60LL;
		seconds += *zone == '+' ? -offset : offset;
	}
	*out = seconds;
	return true;
}

static bool is_choice(const char *value, const char *const *choices)
{
	for (; *choices; choices++) {
		if (strcmp(value, *choices) == 0)
			return true;
	}
	return false;
}

static void describe_choices(const char *const *choices, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t used = 0; *choices; choices++) {
		int written = snprintf(out + used, size - used, "%s%s", used ? ", " : "", *choices);
		if (written < 0 || (size_t)written >= size - used)
			break;
		used += (size_t)written;
	}
}

static void check_value(const json_t *value, const struct field_rule *rule, const char *field,
			struct field_errors *errors);

/* Writes a field's path ("settings.name", "counties[2]") into out. Paths come from rule
 * tables and array indexes, so they fit; one that would not is cut short. */
__attribute__((format(printf, 2, 3))) static void field_path(char out[FIELD_NAME_MAX],
							     const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int length = vsnprintf(out, FIELD_NAME_MAX, format, args);
	va_end(args);
	if (length >= FIELD_NAME_MAX)
		utf8_cut_partial(out);
}

static bool check_array_shape(const json_t *value, const struct field_rule *rule, const char *field,
			      const char *items, struct field_errors *errors)
{
	if (!json_is_array(value)) {
		field_error(errors, field, "must be an array of %s", items);
		return false;
	}
	long long size = (long long)json_array_size(value);
	if (size < rule->min || (rule->max > 0 && size > rule->max)) {
		if (rule->max > 0)
			field_error(errors, field, "must have from %lld to %lld items", rule->min,
				    rule->max);
		else
			field_error(errors, field, "must have at least %lld items", rule->min);
		return false;
	}
	return true;
}

/* True when the string at index equals an earlier string item; items that are not
 * strings (already reported) are passed over. */
static bool repeats_earlier_item(const json_t *array, size_t index)
{
	const char *text = json_string_value(json_array_get(array, index));
	for (size_t j = 0; j < index; j++) {
		const char *earlier = json_string_value(json_array_get(array, j));
		if (earlier && strcmp(text, earlier) == 0)
			return true;
	}
	return false;
}

static void check_string_array(const json_t *value, const struct field_rule *rule,
			       const char *field, struct field_errors *errors)
{
	bool of_enum = rule->type == FIELD_ENUM_ARRAY;
	if (!check_array_shape(value, rule, field, "strings", errors))
		return;
	char choices[512];
	if (of_enum)
		describe_choices(rule->choices, choices, sizeof choices);
	size_t index;
	const json_t *item;
	json_array_foreach (value, index, item) {
		char item_field[FIELD_NAME_MAX];
		field_path(item_field, "%s[%zu]", field, index);
		if (!json_is_string(item)) {
			field_error(errors, item_field, "must be a string");
			continue;
		}
		const char *text = json_string_value(item);
		size_t length = utf8_length(text);
		const char *message = NULL;
		if (of_enum && !is_choice(text, rule->choices))
			field_error(errors, item_field, "must be one of: %s", choices);
		else if (!of_enum && (length < rule->item_min || length > rule->item_max))
			field_error(errors, item_field, "must be %zu to %zu characters long",
				    rule->item_min, rule->item_max);
		else if (rule->item_check && (message = rule->item_check(item)))
			field_error(errors, item_field, "%s", message);
		else if (repeats_earlier_item(value, index))
			field_error(errors, item_field, "repeats an earlier item");
	}
}

static void check_object_array(const json_t *value, const struct field_rule *rule,
			       const char *field, struct field_errors *errors)
{
	if (!check_array_shape(value, rule, field, "objects", errors))
		return;
	size_t index;
	const json_t *item;
	json_array_foreach (value, index, item) {
		char item_field[FIELD_NAME_MAX], prefix[FIELD_NAME_MAX];
		field_path(item_field, "%s[%zu]", field, index);
		field_path(prefix, "%s.", item_field);
		if (!json_is_object(item))
			field_error(errors, item_field, "must be an object");
		else
			validate_object(item, rule->fields, prefix, errors);
	}
}

static void check_string(const json_t *value, const struct field_rule *rule, const char *field,
			 struct field_errors *errors)
{
	if (!json_is_string(value)) {
		field_error(errors, field, "must be a string");
		return;
	}
	const char *text = json_string_value(value);
	long long length = (long long)utf8_length(text);
	char choices[512];
	switch (rule->type) {
	case FIELD_STRING:
		if (length < rule->min || length > rule->max)
			field_error(errors, field, "must be %lld to %lld characters long",
				    rule->min, rule->max);
		break;
	case FIELD_ENUM:
		if (!is_choice(text, rule->choices)) {
			describe_choices(rule->choices, choices, sizeof choices);
			field_error(errors, field, "must be one of: %s", choices);
		}
		break;
	case FIELD_DATE:
		if (!date_is_valid(text))
			field_error(errors, field, "must be a date written YYYY-MM-DD");
		break;
	case FIELD_TIMESTAMP:
		if (!timestamp_is_valid(text))
			field_error(errors, field,
				    "must be an RFC 3339 timestamp such as 2026-11-23T14:05:00Z");
		break;
	case FIELD_UUID:
		if (!uuid_is_valid(text))
			field_error(errors, field, "must be a UUID");
		break;
	default:
		break;
	}
}

static void check_number(const json_t *value, const struct field_rule *rule, const char *field,
			 struct field_errors *errors)
{
	bool integer_only = rule->type == FIELD_INTEGER;
	if (integer_only ? !json_is_integer(value) : !json_is_number(value)) {
		field_error(errors, field,
			    integer_only ? "must be a whole number" : "must be a number");
		return;
	}
	double number = json_number_value(value);
	if (number < (double)rule->min || number > (double)rule->max)
		field_error(errors, field, "must be from %lld to %lld", rule->min, rule->max);
}

static void check_value(const json_t *value, const struct field_rule *rule, const char *field,
			struct field_errors *errors)
{
	size_t before = errors->count;
	switch (rule->type) {
	case FIELD_STRING:
	case FIELD_ENUM:
	case FIELD_DATE:
	case FIELD_TIMESTAMP:
	case FIELD_UUID:
		check_string(value, rule, field, errors);
		break;
	case FIELD_INTEGER:
	case FIELD_NUMBER:
		check_number(value, rule, field, errors);
		break;
	case FIELD_BOOLEAN:
		if (!json_is_boolean(value))
			field_error(errors, field, "must be true or false");
		break;
	case FIELD_STRING_ARRAY:
	case FIELD_ENUM_ARRAY:
		check_string_array(value, rule, field, errors);
		break;
	case FIELD_OBJECT: {
		char prefix[FIELD_NAME_MAX];
		field_path(prefix, "%s.", field);
		if (!json_is_object(value))
			field_error(errors, field, "must be an object");
		else if (rule->fields)
			validate_object(value, rule->fields, prefix, errors);
		break;
	}
	case FIELD_OBJECT_ARRAY:
		check_object_array(value, rule, field, errors);
		break;
	case FIELD_READ_ONLY:
		field_error(errors, field, "is set by the server and cannot be written");
		break;
	}
	const char *message = NULL;
	if (errors->count == before && rule->check && (message = rule->check(value)))
		field_error(errors, field, "%s", message);
}

static const struct field_rule *find_rule(const struct field_rule *rules, const char *name)
{
	for (; rules->name; rules++) {
		if (strcmp(rules->name, name) == 0)
			return rules;
	}
	return NULL;
}

bool validate_object(const json_t *object, const struct field_rule *rules, const char *prefix,
		     struct field_errors *errors)
{
	size_t before = errors->count;
	char field[FIELD_NAME_MAX];
	const char *key;
	const json_t *value;
	json_object_foreach ((json_t *)object, key, value) {
		field_path(field, "%s%s", prefix, key);
		const struct field_rule *rule = find_rule(rules, key);
		if (!rule)
			field_error(errors, field, "is not a field of this resource");
		else if (json_is_null(value) && rule->type != FIELD_READ_ONLY) {
			if (!rule->nullable)
				field_error(errors, field, "may not be null");
		} else
			check_value(value, rule, field, errors);
	}
	for (; rules->name; rules++) {
		field_path(field, "%s%s", prefix, rules->name);
		if (rules->required && !json_object_get(object, rules->name))
			field_error(errors, field, "is required");
	}
	return errors->count == before;
}

bool text_has_control(const char *text)
{
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		/* C0, DEL, and C1 (U+0080..U+009F, written 0xC2 0x80..0x9F in UTF-8): what
		 * PostgreSQL's [[:cntrl:]] refuses. */
		if (*c < 0x20 || *c == 0x7f || (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f))
			return true;
	}
	return false;
}

const char *check_plain_text(const json_t *value)
{
	const char *text = json_string_value(value);
	size_t length = strlen(text);
	if (text_has_control(text))
		return "must not contain control characters such as line breaks";
	if (length > 0 &&
	    (isspace((unsigned char)text[0]) || isspace((unsigned char)text[length - 1])))
		return "must not begin or end with spaces";
	return NULL;
}
