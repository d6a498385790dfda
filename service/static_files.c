#include "static_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool plain_name(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 255)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return false;
	return true;
}

static bool ends_with(const char *name, const char *suffix)
{
	size_t length = strlen(name), suffix_length = strlen(suffix);
	return length >= suffix_length && strcmp(name + length - suffix_length, suffix) == 0;
}

const char *static_file_content_type(const char *name)
{
	static const struct {
		const char *suffix, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".json", "application/json"},
		{".map", "application/json"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".woff2", "font/woff2"},
		{".txt", "text/plain; charset=utf-8"},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (ends_with(name, types[i].suffix))
			return types[i].type;
	return "application/octet-stream";
}

/* Reads the regular file name in the open directory dir_fd into file. */
static bool read_file(int dir_fd, const char *name, struct static_file *file, char *error,
		      size_t error_size)
{
	/* Non-blocking and checked again once open: an entry swapped for a FIFO since it was
	 * listed must not hang the start. */
	int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat status;
	if (fd < 0 || fstat(fd, &status) != 0) {
		snprintf(error, error_size, "%s: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	bool ok = false;
	if (!S_ISREG(status.st_mode)) {
		snprintf(error, error_size, "%s: not a regular file", name);
	} else if (status.st_size > (off_t)STATIC_FILE_MAX_BYTES) {
		snprintf(error, error_size, "%s: larger than %u bytes", name,
			 STATIC_FILE_MAX_BYTES);
	} else if ((file->data = malloc((size_t)status.st_size + 1)) == NULL) {
		snprintf(error, error_size, "%s: out of memory", name);
	} else {
		size_t done = 0, size = (size_t)status.st_size;
		ssize_t got = 1;
		while (done < size && (got = read(fd, file->data + done, size - done)) > 0)
			done += (size_t)got;
		ok = done == size && got >= 0;
		if (!ok)
			snprintf(error, error_size, "%s: could not be read", name);
		file->data[done] = '\0';
		file->size = done;
	}
	close(fd);
	return ok;
}

/* Adds the entry when it is a plain-named regular file; true when it was skipped or
 * added, false on an error. */
static bool add_entry(struct static_files *files, int dir_fd, const char *name, char *error,
		      size_t error_size)
{
	struct stat status;
	if (!plain_name(name) || fstatat(dir_fd, name, &status, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(status.st_mode))
		return true;
	if (files->count == STATIC_FILES_MAX) {
		snprintf(error, error_size, "more than %d files", STATIC_FILES_MAX);
		return false;
	}
	struct static_file *file = &files->files[files->count];
	*file = (struct static_file){.name = strdup(name),
				     .content_type = static_file_content_type(name)};
	files->count++;
	if (!file->name) {
		snprintf(error, error_size, "out of memory");
		return false;
	}
	return read_file(dir_fd, name, file, error, error_size);
}

bool static_files_load(struct static_files *files, const char *directory, char *error,
		       size_t error_size)
{
	*files = (struct static_files){0};
	DIR *dir = opendir(directory);
	if (!dir) {
		snprintf(error, error_size, "%s: %s", directory, strerror(errno));
		return false;
	}
	files->files = calloc(STATIC_FILES_MAX, sizeof *files->files);
	bool ok = files->files != NULL;
	if (!ok)
		snprintf(error, error_size, "out of memory");
	struct dirent *entry;
	while (ok && (entry = readdir(dir)) != NULL)
		ok = add_entry(files, dirfd(dir), entry->d_name, error, error_size);
	closedir(dir);
	if (!ok)
		static_files_free(files);
	return ok;
}

const struct static_file *static_files_find(const struct static_files *files, const char *name)
{
	for (size_t i = 0; i < files->count; i++)
		if (strcmp(files->files[i].name, name) == 0)
			return &files->files[i];
	return NULL;
}

void static_files_free(struct static_files *files)
{
	for (size_t i = 0; i < files->count; i++) {
		free(files->files[i].name);
		free(files->files[i].data);
	}
	free(files->files);
	*files = (struct static_files){0};
}
