/* catd-image.c - content-addressed TIFF images on disk
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <tiffio.h>
#include <unistd.h>

#include "catd-errors.h"
#include "catd-image.h"

#include <nettle/sha2.h>

/* An image is stored under the SHA-256 of its exact bytes
 * (images/ab/abcdef….tif), which is also the CODIGO_INTEGRIDAD published
 * next to it. The order of DESIGN §6 is what makes a crash harmless: write a
 * temporary file, fsync it, rename it to its address, fsync the directory,
 * and only then commit the row that names it. A crash before the rename
 * leaves a temporary file that the next start removes; a crash after it
 * leaves an image no row names, which is reported, never deleted. */

#define TEMP_PREFIX ".tmp-"


/**
 * catd_sha256_hex:
 *
 * Returns: (transfer full): the SHA-256 of @len bytes at @data, in 64
 *   lower-case hexadecimal digits. Through nettle, which uses the CPU's SHA
 *   instructions where it has them: about ten times GLib's GChecksum on
 *   this project's machines, and every image is hashed when stored, before
 *   it is uploaded and when the central site receives it.
 */
char *
catd_sha256_hex (gconstpointer data,
                 gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  struct sha256_ctx ctx;
  guint8 digest[SHA256_DIGEST_SIZE];
  char *hex = g_malloc (2 * SHA256_DIGEST_SIZE + 1);

  sha256_init (&ctx);
  /* nettle takes a size_t: fine for any mapped file. */
  if (len > 0)
    sha256_update (&ctx, len, data);
  sha256_digest (&ctx, sizeof digest, digest);
  for (guint i = 0; i < SHA256_DIGEST_SIZE; i++)
    {
      hex[2 * i] = digits[digest[i] >> 4];
      hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
  hex[2 * SHA256_DIGEST_SIZE] = '\0';
  return hex;
}

/* catd_sha256_hex () of @bytes' contents. */
char *
catd_sha256_bytes (GBytes *bytes)
{
  gsize len;
  gconstpointer data = g_bytes_get_data (bytes, &len);

  return catd_sha256_hex (data, len);
}

char *
catd_image_path (const char *images_dir,
                 const char *sha256)
{
  char sub[3] = { sha256[0], sha256[1], 0 };
  g_autofree char *name = g_strconcat (sha256, ".tif", NULL);

  return g_build_filename (images_dir, sub, name, NULL);
}

G_GNUC_PRINTF (4, 0) static int
tiff_error_cb (TIFF       *tif,
               void       *user_data,
               const char *module,
               const char *format,
               va_list     args)
{
  GString *message = user_data;

  /* Keep the first complaint: later ones are usually its consequences. */
  if (message->len == 0)
    g_string_vprintf (message, format, args);
  return 1;
}

G_GNUC_PRINTF (4, 0) static int
tiff_warning_cb (TIFF       *tif,
                 void       *user_data,
                 const char *module,
                 const char *format,
                 va_list     args)
{
  return 1;
}

/**
 * catd_image_tiff_open:
 * @path: a file to read
 * @first_error: where libtiff's first complaint goes (later ones are
 *   usually its consequences); warnings are dropped
 *
 * Opens @path with libtiff the way every reader of the project does: its
 * messages kept for the caller's error instead of printed on stderr, and no
 * single allocation over %CATD_IMAGE_MAX_SIZE (a hostile header cannot ask
 * for gigabytes). Returns %NULL when the file is not a TIFF libtiff can open.
 */
TIFF *
catd_image_tiff_open (const char *path,
                      GString    *first_error)
{
  TIFFOpenOptions *opts = TIFFOpenOptionsAlloc ();
  TIFF *tif;

  /* libtiff's handler type carries no format attribute of its own. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsuggest-attribute=format"
  TIFFOpenOptionsSetErrorHandlerExtR (opts, tiff_error_cb, first_error);
  TIFFOpenOptionsSetWarningHandlerExtR (opts, tiff_warning_cb, NULL);
#pragma GCC diagnostic pop
  TIFFOpenOptionsSetMaxSingleMemAlloc (opts, CATD_IMAGE_MAX_SIZE);
  tif = TIFFOpenExt (path, "r", opts);
  TIFFOpenOptionsFree (opts);
  return tif;
}

/**
 * catd_image_check_tiff:
 *
 * Opens @path with libtiff and decodes every strip or tile of its first
 * page, so that a truncated or corrupt file is refused now rather than when
 * a capturist opens it. Fills the size fields of @info (not the hash).
 * Returns %FALSE with %CATD_IMAGE_ERROR_INVALID for anything that is not a
 * readable TIFF.
 */
gboolean
catd_image_check_tiff (const char     *path,
                       CatdImageInfo  *info,
                       GError        **error)
{
  g_autoptr(GString) message = g_string_new (NULL);
  TIFF *tif;
  uint32_t width = 0, height = 0;
  float xres = 0;
  uint16_t unit = RESUNIT_INCH;
  tmsize_t buf_size;
  void *buf;
  gboolean ok = TRUE;

  tif = catd_image_tiff_open (path, message);
  if (tif == NULL)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID,
                   "not a TIFF image%s%s", message->len ? ": " : "", message->str);
      return FALSE;
    }

  if (!TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &width) ||
      !TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &height) || width == 0 || height == 0)
    {
      TIFFClose (tif);
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID,
                   "the TIFF image has no size");
      return FALSE;
    }

  buf_size = TIFFIsTiled (tif) ? TIFFTileSize (tif) : TIFFStripSize (tif);
  buf = buf_size > 0 ? _TIFFmalloc (buf_size) : NULL;
  if (buf == NULL)
    ok = FALSE;
  else if (TIFFIsTiled (tif))
    {
      for (uint32_t t = 0; ok && t < TIFFNumberOfTiles (tif); t++)
        ok = TIFFReadEncodedTile (tif, t, buf, buf_size) >= 0;
    }
  else
    {
      for (uint32_t s = 0; ok && s < TIFFNumberOfStrips (tif); s++)
        ok = TIFFReadEncodedStrip (tif, s, buf, buf_size) >= 0;
    }
  if (buf)
    _TIFFfree (buf);

  if (TIFFGetField (tif, TIFFTAG_XRESOLUTION, &xres))
    TIFFGetFieldDefaulted (tif, TIFFTAG_RESOLUTIONUNIT, &unit);
  TIFFClose (tif);

  if (!ok)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID,
                   "the TIFF image is damaged and cannot be decoded%s%s",
                   message->len ? ": " : "", message->str);
      return FALSE;
    }

  info->width = width;
  info->height = height;
  info->dpi = unit == RESUNIT_CENTIMETER ? xres * 2.54 : unit == RESUNIT_INCH ? xres : 0;
  return TRUE;
}

static gboolean
set_io_error (GError    **error,
              int         errsv,
              const char *what,
              const char *path)
{
  g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_IO, "%s %s: %s%s", what, path,
               g_strerror (errsv),
               errsv == ENOSPC || errsv == EDQUOT || errsv == EFBIG ?
                 " (the disk is full: free space, then repeat the action)" : "");
  return FALSE;
}

static gboolean
fsync_dir (const char  *path,
           GError     **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) != 0)
    {
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      return set_io_error (error, errsv, "cannot sync directory", path);
    }
  close (fd);
  return TRUE;
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = ENOSPC;
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

/* Creates and locks a temporary file in @images_dir. Between creating and
 * locking, a cleaner in another process may take the file for abandoned and
 * remove it: then the name no longer leads to our file, and we start again. */
static int
create_locked_temp (const char  *images_dir,
                    char       **path_out)
{
  for (guint attempt = 0; attempt < 10; attempt++)
    {
      g_autofree char *path = g_build_filename (images_dir, TEMP_PREFIX "XXXXXX", NULL);
      struct stat by_fd, by_name;
      int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);

      if (fd < 0)
        return -1;
      if (flock (fd, LOCK_EX) != 0)
        {
          int errsv = errno;
          g_unlink (path);
          close (fd);
          errno = errsv;
          return -1;
        }
      if (fstat (fd, &by_fd) == 0 && g_stat (path, &by_name) == 0 &&
          by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev)
        {
          *path_out = g_steal_pointer (&path);
          return fd;
        }
      close (fd);
    }
  errno = EAGAIN;
  return -1;
}

/**
 * catd_image_store:
 * @bytes: the exact bytes of a TIFF file
 * @info: (out): hash, size and dimensions
 *
 * Validates @bytes as a TIFF and stores them at their content address,
 * durably (file and directory fsync'd) before returning. Storing bytes that
 * are already there costs a hash and no write. Refuses anything libtiff
 * cannot read (%CATD_IMAGE_ERROR_INVALID); a write failure, a full disk
 * among them, is %CATD_IMAGE_ERROR_IO and leaves nothing behind.
 */
static gboolean
store_bytes (const char           *images_dir,
             GBytes               *bytes,
             const char           *sha256,
             const CatdImageInfo  *encoded,
             CatdImageInfo        *info,
             GError              **error)
{
  g_autofree char *tmp_path = NULL;
  g_autofree char *final_path = NULL;
  g_autofree char *sub_dir = NULL;
  g_autofree char *sha = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  gboolean sub_created = FALSE;
  int fd;

  memset (info, 0, sizeof *info);
  if (len > CATD_IMAGE_MAX_SIZE)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID,
                   "the image is larger than %d MiB", CATD_IMAGE_MAX_SIZE / (1024 * 1024));
      return FALSE;
    }

  sha = sha256 ? g_strdup (sha256) : catd_sha256_bytes (bytes);
  g_strlcpy (info->sha256, sha, sizeof info->sha256);
  info->size = len;
  final_path = catd_image_path (images_dir, sha);
  sub_dir = g_path_get_dirname (final_path);

  if (g_mkdir_with_parents (images_dir, 0700) != 0)
    return set_io_error (error, errno, "cannot create", images_dir);

  /* The temporary file stays open and locked until it has its final name,
   * so that another process opening the station (which removes what a
   * crash left behind) can tell a write in progress from an abandoned one. */
  if ((fd = create_locked_temp (images_dir, &tmp_path)) < 0)
    return set_io_error (error, errno, "cannot create a file in", images_dir);
  if (!write_all (fd, data, len) || fsync (fd) != 0)
    {
      int errsv = errno;
      g_unlink (tmp_path);
      close (fd);
      return set_io_error (error, errsv, "cannot write image to", images_dir);
    }

  /* Validate what is on disk, which is what will be published; a page
   * this program encoded itself from pixels in memory is known good. */
  if (encoded != NULL)
    {
      info->width = encoded->width;
      info->height = encoded->height;
      info->dpi = encoded->dpi;
    }
  else if (!catd_image_check_tiff (tmp_path, info, error))
    {
      g_unlink (tmp_path);
      close (fd);
      return FALSE;
    }

  if (!g_file_test (sub_dir, G_FILE_TEST_IS_DIR))
    {
      if (g_mkdir (sub_dir, 0700) != 0 && errno != EEXIST)
        {
          int errsv = errno;
          g_unlink (tmp_path);
          close (fd);
          return set_io_error (error, errsv, "cannot create", sub_dir);
        }
      sub_created = TRUE;
    }

  /* Same address, same bytes: a rename over an existing copy is harmless,
   * and it also mends a copy that was damaged on disk. */
  if (g_rename (tmp_path, final_path) != 0)
    {
      int errsv = errno;
      g_unlink (tmp_path);
      close (fd);
      return set_io_error (error, errsv, "cannot store image as", final_path);
    }
  if (close (fd) != 0)
    return set_io_error (error, errno, "cannot write image to", final_path);

  if (!fsync_dir (sub_dir, error))
    return FALSE;
  if (sub_created && !fsync_dir (images_dir, error))
    return FALSE;
  return TRUE;
}

/**
 * catd_image_verify:
 *
 * Checks that the image with @sha256 is present and that its bytes still hash
 * to @sha256. %CATD_IMAGE_ERROR_INTEGRITY otherwise.
 */
gboolean
catd_image_verify (const char  *images_dir,
                   const char  *sha256,
                   GError     **error)
{
  g_autofree char *path = catd_image_path (images_dir, sha256);
  g_autofree char *actual = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INTEGRITY,
                   "image %s is missing: %s", sha256, local_error->message);
      return FALSE;
    }
  actual = catd_sha256_hex (g_mapped_file_get_contents (mapped),
                           g_mapped_file_get_length (mapped));
  if (g_strcmp0 (actual, sha256) != 0)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INTEGRITY,
                   "image %s is damaged: its bytes now hash to %s", sha256, actual);
      return FALSE;
    }
  return TRUE;
}

/* Removes temporary files a crash left behind; returns how many. A file
 * another process is still writing is locked (see catd_image_store()) and
 * left alone. */
guint
catd_image_remove_temp_files (const char *images_dir)
{
  g_autoptr(GDir) dir = g_dir_open (images_dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = NULL;
      int fd;

      if (!g_str_has_prefix (name, TEMP_PREFIX))
        continue;
      path = g_build_filename (images_dir, name, NULL);
      fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0)
        continue;
      if (flock (fd, LOCK_EX | LOCK_NB) == 0 && g_unlink (path) == 0)
        n++;
      close (fd);
    }
  return n;
}

/* Every content address present on disk (sha256 strings). */
GPtrArray *
catd_image_list_stored (const char *images_dir)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (images_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *sub = NULL;
      g_autoptr(GDir) subdir = NULL;
      const char *file;

      if (strlen (name) != 2)
        continue;
      sub = g_build_filename (images_dir, name, NULL);
      subdir = g_dir_open (sub, 0, NULL);
      while (subdir && (file = g_dir_read_name (subdir)))
        {
          if (strlen (file) == 68 && g_str_has_suffix (file, ".tif"))
            g_ptr_array_add (result, g_strndup (file, 64));
        }
    }
  return result;
}

gboolean
catd_image_store (const char     *images_dir,
                  GBytes         *bytes,
                  CatdImageInfo  *info,
                  GError        **error)
{
  return store_bytes (images_dir, bytes, NULL, NULL, info, error);
}

/**
 * catd_image_store_hashed:
 * @sha256: what @bytes hash to, computed by the caller from these very bytes
 *
 * catd_image_store () for bytes the caller has just hashed (the central
 * site checks an upload's hash before anything else): the same work
 * without hashing a second time.
 */
gboolean
catd_image_store_hashed (const char     *images_dir,
                         GBytes         *bytes,
                         const char     *sha256,
                         CatdImageInfo  *info,
                         GError        **error)
{
  g_return_val_if_fail (sha256 != NULL && strlen (sha256) == 64, FALSE);
  return store_bytes (images_dir, bytes, sha256, NULL, info, error);
}

/**
 * catd_image_store_encoded:
 * @encoded: the width, height and resolution the bytes were encoded with
 *
 * Stores a TIFF this program has just encoded (catd_tiff_encode ()) as
 * catd_image_store () does, without decoding it again: its size and
 * resolution are known, and every strip of it was compressed here.
 */
gboolean
catd_image_store_encoded (const char           *images_dir,
                          GBytes               *bytes,
                          const CatdImageInfo  *encoded,
                          CatdImageInfo        *info,
                          GError              **error)
{
  g_return_val_if_fail (encoded != NULL, FALSE);
  return store_bytes (images_dir, bytes, NULL, encoded, info, error);
}
