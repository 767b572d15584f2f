/* catd-tiff.c - encoding a page as the TIFF the station stores
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libdeflate.h>
#include <tiffio.h>

#include "catd-errors.h"
#include "catd-thread.h"
#include "catd-tiff.h"

/* Deflate pages are cut in strips of this many rows, each one compressed
 * on its own (the TIFF format allows it and every reader expects it), so
 * that the strips can be compressed on every processor at once. Level 1: a
 * fifth of level 6's time for files about 1 % larger (measured on
 * synthetic actas at 300 dpi). */
#define DEFLATE_ROWS_PER_STRIP 64
#define DEFLATE_LEVEL          1

/* The page is encoded in memory, so that its SHA-256 is taken over exactly
 * the bytes that then go to disk (catd_image_store()) and up to the central
 * site. libtiff writes through client procedures over a growing buffer. */

typedef CatdTiffMemory MemFile;

static tmsize_t
mem_read (thandle_t handle,
          void     *buf,
          tmsize_t  size)
{
  MemFile *f = handle;
  tmsize_t n = MIN (size, (tmsize_t)f->data->len - (tmsize_t)f->pos);

  if (n <= 0)
    return 0;
  memcpy (buf, f->data->data + f->pos, n);
  f->pos += n;
  return n;
}

static tmsize_t
mem_write (thandle_t handle,
           void     *buf,
           tmsize_t  size)
{
  MemFile *f = handle;

  if (f->pos + size > f->data->len)
    g_byte_array_set_size (f->data, f->pos + size);
  memcpy (f->data->data + f->pos, buf, size);
  f->pos += size;
  return size;
}

static toff_t
mem_seek (thandle_t handle,
          toff_t    offset,
          int       whence)
{
  MemFile *f = handle;

  switch (whence)
    {
    case SEEK_SET: f->pos = offset; break;
    case SEEK_CUR: f->pos += offset; break;
    case SEEK_END: f->pos = f->data->len + offset; break;
    default: return (toff_t)-1;
    }
  return f->pos;
}

static int
mem_close (thandle_t handle)
{
  return 0;
}

static toff_t
mem_size (thandle_t handle)
{
  return ((MemFile *)handle)->data->len;
}

static int
mem_map (thandle_t  handle,
         void     **base,
         toff_t    *size)
{
  return 0;
}

static void
mem_unmap (thandle_t handle,
           void     *base,
           toff_t    size)
{
}

/**
 * catd_tiff_memory_open:
 * @memory: the bytes, and the position libtiff is at
 * @mode: as for TIFFOpen ()
 *
 * A TIFF read from or written to @memory->data instead of a file.
 */
struct tiff *
catd_tiff_memory_open (CatdTiffMemory *memory,
                       const char     *mode)
{
  return TIFFClientOpen ("page", mode, memory, mem_read, mem_write, mem_seek, mem_close,
                         mem_size, mem_map, mem_unmap);
}

/* ---- Deflate strips on every processor ------------------------------------------ */

typedef struct
{
  const guint8  *pixels;
  gsize          stride;
  guint          width;
  guint          height;
  guint          channels;
  guint          n_strips;
  gint           next;        /* the next strip to take, atomically */
  gint           failed;
  GBytes       **strips;      /* compressed, one per strip */
} DeflateWork;

/* Takes strips until none is left: each one copied, the horizontal
 * predictor applied (each sample less the one before it in its row, as
 * TIFF's predictor 2 means), then compressed as a zlib stream. */
static gpointer
deflate_worker (gpointer data)
{
  DeflateWork *work = data;
  gsize row_bytes = (gsize)work->width * work->channels;
  gsize strip_bytes = row_bytes * DEFLATE_ROWS_PER_STRIP;
  struct libdeflate_compressor *compressor = libdeflate_alloc_compressor (DEFLATE_LEVEL);
  g_autofree guint8 *strip = NULL;
  g_autofree guint8 *out = NULL;
  gsize bound;

  if (compressor == NULL)
    {
      g_atomic_int_set (&work->failed, 1);
      return NULL;
    }
  bound = libdeflate_zlib_compress_bound (compressor, strip_bytes);
  strip = g_malloc (strip_bytes);
  out = g_malloc (bound);

  while (!g_atomic_int_get (&work->failed))
    {
      guint s = (guint)g_atomic_int_add (&work->next, 1);
      guint y0 = s * DEFLATE_ROWS_PER_STRIP, rows;
      gsize n;

      if (s >= work->n_strips)
        break;
      rows = MIN (DEFLATE_ROWS_PER_STRIP, work->height - y0);
      for (guint r = 0; r < rows; r++)
        {
          guint8 *row = strip + r * row_bytes;

          memcpy (row, work->pixels + (gsize)(y0 + r) * work->stride, row_bytes);
          for (gsize x = row_bytes - 1; x >= work->channels; x--)
            row[x] -= row[x - work->channels];
        }
      n = libdeflate_zlib_compress (compressor, strip, rows * row_bytes, out, bound);
      if (n == 0)
        g_atomic_int_set (&work->failed, 1);
      else
        work->strips[s] = g_bytes_new (out, n);
    }
  libdeflate_free_compressor (compressor);
  return NULL;
}

/* The extra threads are background work (catd-thread.c): they take the
 * processors the screen and the page's checks leave idle, and yield them
 * when those want them. */
static gpointer
deflate_helper (gpointer data)
{
  catd_thread_lower_priority ("encode", CATD_NICE_BACKGROUND);
  return deflate_worker (data);
}

/* Compresses every strip of the page, on as many threads as there are
 * processors (this one included), and writes them in order as raw strips.
 * About half the time of libtiff's encoder, which does the same work one
 * strip after another, on two processors. */
static gboolean
write_deflate_strips (TIFF         *tif,
                      const guint8 *pixels,
                      gsize         stride,
                      guint         width,
                      guint         height,
                      guint         channels)
{
  DeflateWork work = {
    .pixels = pixels, .stride = stride, .width = width, .height = height,
    .channels = channels,
    .n_strips = (height + DEFLATE_ROWS_PER_STRIP - 1) / DEFLATE_ROWS_PER_STRIP,
  };
  guint n_helpers = MIN (g_get_num_processors (), 8) - 1;
  g_autofree GThread **helpers = NULL;
  gboolean ok;

  n_helpers = MIN (n_helpers, work.n_strips > 0 ? work.n_strips - 1 : 0);
  helpers = g_new0 (GThread *, n_helpers + 1);
  work.strips = g_new0 (GBytes *, work.n_strips);
  /* A helper that cannot be started (no memory, a thread limit) leaves its
   * share to the others: this thread alone can do every strip. */
  for (guint t = 0; t < n_helpers; t++)
    helpers[t] = g_thread_try_new ("catd-deflate", deflate_helper, &work, NULL);
  deflate_worker (&work);
  for (guint t = 0; t < n_helpers; t++)
    if (helpers[t] != NULL)
      g_thread_join (helpers[t]);

  ok = !g_atomic_int_get (&work.failed);
  for (guint s = 0; s < work.n_strips; s++)
    {
      if (ok)
        {
          gsize n;
          gconstpointer data = g_bytes_get_data (work.strips[s], &n);

          ok = TIFFWriteRawStrip (tif, s, (void *)data, (tmsize_t)n) >= 0;
        }
      g_clear_pointer (&work.strips[s], g_bytes_unref);
    }
  g_free (work.strips);
  return ok;
}

/**
 * catd_tiff_encode:
 * @pixels: rows of 8-bit grey or RGB
 *
 * Encodes one page: Deflate with the horizontal predictor (lossless) by
 * default, JPEG at quality 90 for colour when asked; with the resolution,
 * the device's make and model, the software and the scan time in the tags.
 * Returns the file's bytes.
 */
GBytes *
catd_tiff_encode (const guint8          *pixels,
                  gsize                  stride,
                  const CatdTiffParams  *params,
                  GError               **error)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *datetime = NULL;
  g_autofree guint8 *strip = NULL;
  gsize row_bytes = (gsize)params->width * params->channels;
  /* A page deflates to about a fifth of its size: start near there. */
  MemFile f = { g_byte_array_sized_new (row_bytes * params->height / 4 + 4096), 0 };
  TIFF *tif;
  guint rows_per_strip;
  gboolean ok = TRUE;

  g_return_val_if_fail (pixels != NULL && params != NULL, NULL);
  g_return_val_if_fail (params->channels == 1 || params->channels == 3, NULL);
  g_return_val_if_fail (stride >= (gsize)params->width * params->channels, NULL);

  if (params->compression == CATD_TIFF_JPEG && params->channels != 3)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID,
                   "JPEG compression is for colour pages; grey pages are stored lossless");
      g_byte_array_unref (f.data);
      return NULL;
    }

  tif = catd_tiff_memory_open (&f, "w");
  if (tif == NULL)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_IO, "cannot start a TIFF");
      g_byte_array_unref (f.data);
      return NULL;
    }

  when = g_date_time_new_from_unix_local (params->time_usec / G_USEC_PER_SEC);
  datetime = g_date_time_format (when, "%Y:%m:%d %H:%M:%S");   /* the TIFF form */

  TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, params->width);
  TIFFSetField (tif, TIFFTAG_IMAGELENGTH, params->height);
  TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, params->channels);
  TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField (tif, TIFFTAG_XRESOLUTION, (float)params->dpi);
  TIFFSetField (tif, TIFFTAG_YRESOLUTION, (float)params->dpi);
  TIFFSetField (tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  TIFFSetField (tif, TIFFTAG_SOFTWARE, "CATD Station " PACKAGE_VERSION);
  TIFFSetField (tif, TIFFTAG_DATETIME, datetime);
  if (params->make)
    TIFFSetField (tif, TIFFTAG_MAKE, params->make);
  if (params->model)
    TIFFSetField (tif, TIFFTAG_MODEL, params->model);
  if (params->description)
    TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, params->description);

  if (params->compression == CATD_TIFF_JPEG)
    {
      TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
      TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
      TIFFSetField (tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
      TIFFSetField (tif, TIFFTAG_JPEGQUALITY, 90);
      rows_per_strip = 16;
    }
  else
    {
      TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
      TIFFSetField (tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
      TIFFSetField (tif, TIFFTAG_ZIPQUALITY, DEFLATE_LEVEL);
      TIFFSetField (tif, TIFFTAG_PHOTOMETRIC,
                    params->channels == 1 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_RGB);
      rows_per_strip = DEFLATE_ROWS_PER_STRIP;
    }
  TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);

  if (params->compression == CATD_TIFF_JPEG)
    {
      /* libtiff may rewrite what it is given, and the pixels are the
       * caller's: it gets a copy. */
      strip = g_malloc (row_bytes * rows_per_strip);
      for (guint y = 0, s = 0; ok && y < params->height; y += rows_per_strip, s++)
        {
          guint rows = MIN (rows_per_strip, params->height - y);

          for (guint r = 0; r < rows; r++)
            memcpy (strip + r * row_bytes, pixels + (gsize)(y + r) * stride, row_bytes);
          ok = TIFFWriteEncodedStrip (tif, s, strip, (tmsize_t)(rows * row_bytes)) >= 0;
        }
    }
  else
    ok = write_deflate_strips (tif, pixels, stride, params->width, params->height,
                               params->channels);
  ok = ok && TIFFFlush (tif) == 1;
  TIFFClose (tif);

  if (!ok)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_IO, "cannot encode the page");
      g_byte_array_unref (f.data);
      return NULL;
    }
  return g_byte_array_free_to_bytes (f.data);
}
