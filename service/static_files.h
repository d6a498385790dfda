/* A directory's files held in memory: the API reference page (PEERD_DOCS_DIR), read once
 * at start so that serving it touches no file system and no request can name a path. */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

struct static_file {
	char *name; /* a plain file name: no directory, no leading dot */
	char *data;
	size_t size;
	const char *content_type; /* from the name's extension */
};

struct static_files {
	struct static_file *files;
	size_t count;
};

/* Reads every regular file directly in directory whose name is plain (letters, digits,
 * '.', '_', '-', not starting with '.'), each at most STATIC_FILE_MAX_BYTES. On failure
 * writes why into error and leaves files empty. Free with static_files_free either way. */
MUST_CHECK bool static_files_load(struct static_files *files, const char *directory, char *error,
				  size_t error_size);

/* The file named name, or NULL. */
const struct static_file *static_files_find(const struct static_files *files, const char *name);

/* The Content-Type peerd sends for a file of this name. */
const char *static_file_content_type(const char *name);

void static_files_free(struct static_files *files);

#define STATIC_FILE_MAX_BYTES (16u * 1024 * 1024)
#define STATIC_FILES_MAX      64
