/* catd-image-view.c - a scanned acta page: zoom, pan, fit width, rotate
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <tiffio.h>

#include "catd-image.h"
#include "catd-image-view.h"

/* An acta page is a large image (a Letter page at 300 dpi is 2550 x 3300
 * pixels) that an operator reads at many zooms. The view therefore:
 *
 * - decodes a file once, on a worker thread, straight into a texture no
 *   larger than twice the largest monitor (box-filtered while the rows are
 *   read, so a 600 dpi page never sits whole in memory), and keeps the last
 *   textures in a process-wide cache keyed by path: the station's images are
 *   content-addressed and never change, so the scan screen's preview and the
 *   capture screen's viewer share one decode of the same page;
 * - takes a scanned page's pixels as they are in memory (set_pixels), with
 *   the path it was stored at as cache key, so a page just scanned is never
 *   read back from its TIFF;
 * - draws the texture itself (GtkSnapshot: translate, rotate, scale) under
 *   two scrollbars of its own, so zoom, rotation and panning are one
 *   transform and never re-decode anything.
 *
 * Everything but the decode runs on the main thread; so does the cache. */

#define ZOOM_MIN     0.05
#define ZOOM_MAX     8.0
#define ZOOM_STEP    1.25
#define CACHE_MAX_ENTRIES 16
#define CACHE_MAX_BYTES   (384 * 1024 * 1024)

/* ---- decoding --------------------------------------------------------------- */

/* Box-filters rows of 8-bit RGB down by an integer factor into an opaque
 * premultiplied BGRA buffer (GDK_MEMORY_DEFAULT: what every renderer takes
 * without converting). */
typedef struct
{
  guint    src_width;
  guint    src_height;
  guint    factor;
  guint    width;
  guint    height;
  guint32 *sums;       /* width * 3, the rows being averaged */
  guint    rows;       /* source rows summed so far into sums */
  guint8  *out;        /* width * height * 4 */
  guint    out_row;
} Shrink;

static void
shrink_init (Shrink *s,
             guint   src_width,
             guint   src_height,
             guint   limit)
{
  guint longest = MAX (src_width, src_height);

  s->src_width = src_width;
  s->src_height = src_height;
  s->factor = longest > limit ? (longest + limit - 1) / limit : 1;
  s->width = (src_width + s->factor - 1) / s->factor;
  s->height = (src_height + s->factor - 1) / s->factor;
  s->sums = s->factor > 1 ? g_new0 (guint32, (gsize)s->width * 3) : NULL;
  s->rows = 0;
  s->out = g_malloc ((gsize)s->width * s->height * 4);
  s->out_row = 0;
}

static void
shrink_clear (Shrink *s)
{
  g_clear_pointer (&s->sums, g_free);
  g_clear_pointer (&s->out, g_free);
}

static void
shrink_emit (Shrink *s)
{
  guint8 *dest = s->out + (gsize)s->out_row * s->width * 4;

  for (guint x = 0; x < s->width; x++)
    {
      guint span = MIN (s->factor, s->src_width - x * s->factor);
      guint n = span * s->rows;

      dest[4 * x + 0] = (s->sums[3 * x + 2] + n / 2) / n;
      dest[4 * x + 1] = (s->sums[3 * x + 1] + n / 2) / n;
      dest[4 * x + 2] = (s->sums[3 * x + 0] + n / 2) / n;
      dest[4 * x + 3] = 255;
    }
  memset (s->sums, 0, (gsize)s->width * 3 * sizeof (guint32));
  s->rows = 0;
  s->out_row++;
}

/* One source row, @channels 1 (grey) or 3 (RGB), 8 bits each. */
static void
shrink_push (Shrink       *s,
             const guint8 *row,
             guint         channels)
{
  if (s->out_row >= s->height)
    return;

  if (s->factor == 1)
    {
      guint8 *dest = s->out + (gsize)s->out_row * s->width * 4;

      if (channels == 1)
        for (guint x = 0; x < s->width; x++)
          {
            dest[4 * x + 0] = dest[4 * x + 1] = dest[4 * x + 2] = row[x];
            dest[4 * x + 3] = 255;
          }
      else
        for (guint x = 0; x < s->width; x++)
          {
            dest[4 * x + 0] = row[3 * x + 2];
            dest[4 * x + 1] = row[3 * x + 1];
            dest[4 * x + 2] = row[3 * x + 0];
            dest[4 * x + 3] = 255;
          }
      s->out_row++;
      return;
    }

  for (guint x = 0, sx = 0; x < s->width; x++)
    {
      guint end = MIN (sx + s->factor, s->src_width);
      guint32 r = 0, g = 0, b = 0;

      if (channels == 1)
        for (; sx < end; sx++)
          r += row[sx];
      else
        for (; sx < end; sx++)
          {
            r += row[3 * sx + 0];
            g += row[3 * sx + 1];
            b += row[3 * sx + 2];
          }
      s->sums[3 * x + 0] += r;
      s->sums[3 * x + 1] += channels == 1 ? r : g;
      s->sums[3 * x + 2] += channels == 1 ? r : b;
    }
  if (++s->rows == s->factor)
    shrink_emit (s);
}

/* Halves a BGRA image, averaging each 2 x 2 block (an odd last row or
 * column with itself). */
static guint8 *
halve (const guint8 *src,
       guint         width,
       guint         height,
       guint        *out_width,
       guint        *out_height)
{
  guint w = (width + 1) / 2, h = (height + 1) / 2;
  guint8 *out = g_malloc ((gsize)w * h * 4);

  for (guint y = 0; y < h; y++)
    {
      const guint8 *r0 = src + (gsize)MIN (2 * y, height - 1) * width * 4;
      const guint8 *r1 = src + (gsize)MIN (2 * y + 1, height - 1) * width * 4;
      guint8 *dest = out + (gsize)y * w * 4;

      for (guint x = 0; x < w; x++)
        {
          guint x0 = 2 * x * 4, x1 = MIN (2 * x + 1, width - 1) * 4;

          for (guint c = 0; c < 4; c++)
            dest[4 * x + c] = (r0[x0 + c] + r0[x1 + c] + r1[x0 + c] + r1[x1 + c] + 2) / 4;
        }
    }
  *out_width = w;
  *out_height = h;
  return out;
}

/* The levels of detail shown: the image (at most twice the screen), then
 * each half of the one before, down to a few hundred pixels. Drawing a page
 * at fit-width then scales a texture near the size shown, not one two to
 * four times larger: a fraction of the work for the renderer, on every
 * frame that draws it. */
#define LEVEL_MIN 400

static GPtrArray *
shrink_finish (Shrink *s)
{
  GPtrArray *levels = g_ptr_array_new_with_free_func (g_object_unref);
  guint8 *data;
  guint w = s->width, h = s->height;

  if (s->rows > 0)
    shrink_emit (s);
  g_assert (s->out_row == s->height);
  data = g_steal_pointer (&s->out);
  shrink_clear (s);

  for (;;)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_take (data, (gsize)w * h * 4);

      g_ptr_array_add (levels, gdk_memory_texture_new (w, h, GDK_MEMORY_B8G8R8A8_PREMULTIPLIED,
                                                       bytes, (gsize)w * 4));
      if (MAX (w, h) < 2 * LEVEL_MIN)
        break;
      data = halve (g_bytes_get_data (bytes, NULL), w, h, &w, &h);
    }
  return levels;
}

static gboolean
tiff_failed (GError     **error,
             GString     *message,
             const char  *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s%s%s", what,
               message->len ? ": " : "", message->str);
  return FALSE;
}

/* Reads 8-bit grey or RGB pixels row by row (the station's own pages, and
 * most files an operator imports). */
static gboolean
read_rows (TIFF          *tif,
           Shrink        *s,
           guint          channels,
           GCancellable  *cancellable,
           GString       *message,
           GError       **error)
{
  g_autofree guint8 *row = g_malloc (TIFFScanlineSize (tif));

  for (guint32 y = 0; y < s->src_height; y++)
    {
      if (TIFFReadScanline (tif, row, y, 0) < 0)
        return tiff_failed (error, message, "the TIFF image is damaged");
      shrink_push (s, row, channels);
      if ((y & 255) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
    }
  return TRUE;
}

/* Reads any other TIFF (bilevel, palette, 16-bit, CMYK, tiled…) through
 * libtiff's RGBA interface, one band of rows at a time. */
static gboolean
read_rgba (TIFF          *tif,
           Shrink        *s,
           GCancellable  *cancellable,
           GString       *message,
           GError       **error)
{
  TIFFRGBAImage img;
  char emsg[1024] = "";
  g_autofree guint32 *raster = NULL;
  g_autofree guint8 *rgb = NULL;
  guint32 band = 64;
  gboolean ok = TRUE;

  if (!TIFFRGBAImageOK (tif, emsg) || !TIFFRGBAImageBegin (&img, tif, 0, emsg))
    {
      if (message->len == 0)
        g_string_assign (message, emsg);
      return tiff_failed (error, message, "the TIFF image cannot be shown");
    }
  img.req_orientation = ORIENTATION_TOPLEFT;

  /* A band is one strip or row of tiles: each is then decoded once. */
  if (TIFFIsTiled (tif))
    TIFFGetField (tif, TIFFTAG_TILELENGTH, &band);
  else
    TIFFGetFieldDefaulted (tif, TIFFTAG_ROWSPERSTRIP, &band);
  band = CLAMP (band, 1, s->src_height);
  if ((guint64)band * s->src_width * 4 > 256 * 1024 * 1024)
    band = MAX (1, (256 * 1024 * 1024) / ((guint64)s->src_width * 4));

  raster = g_new (guint32, (gsize)s->src_width * band);
  rgb = g_malloc ((gsize)s->src_width * 3);
  for (guint32 y = 0; ok && y < s->src_height; y += band)
    {
      guint32 n = MIN (band, s->src_height - y);

      img.row_offset = y;
      img.col_offset = 0;
      if (!TIFFRGBAImageGet (&img, raster, s->src_width, n))
        {
          ok = tiff_failed (error, message, "the TIFF image is damaged");
          break;
        }
      for (guint32 r = 0; r < n; r++)
        {
          const guint32 *p = raster + (gsize)r * s->src_width;

          for (guint32 x = 0; x < s->src_width; x++)
            {
              rgb[3 * x + 0] = TIFFGetR (p[x]);
              rgb[3 * x + 1] = TIFFGetG (p[x]);
              rgb[3 * x + 2] = TIFFGetB (p[x]);
            }
          shrink_push (s, rgb, 3);
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
    }
  TIFFRGBAImageEnd (&img);
  return ok;
}

/* Worker thread: the first page of the TIFF at @path as textures (levels
 * of detail) whose largest has its longest side at most @limit pixels. */
static GPtrArray *
decode_tiff (const char    *path,
             guint          limit,
             guint         *width,
             guint         *height,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GString) message = g_string_new (NULL);
  Shrink s = { 0 };
  TIFF *tif;
  guint32 w = 0, h = 0;
  guint16 bps = 1, spp = 1, photometric = PHOTOMETRIC_MINISBLACK;
  guint16 planar = PLANARCONFIG_CONTIG, compression = COMPRESSION_NONE;
  gboolean ok;

  tif = catd_image_tiff_open (path, message);
  if (tif == NULL)
    {
      tiff_failed (error, message, "not a readable TIFF image");
      return NULL;
    }

  if (!TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &w) ||
      !TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &h) || w == 0 || h == 0 ||
      w > 100000 || h > 100000)
    {
      TIFFClose (tif);
      tiff_failed (error, message, "the TIFF image has no usable size");
      return NULL;
    }
  TIFFGetFieldDefaulted (tif, TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted (tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted (tif, TIFFTAG_COMPRESSION, &compression);
  TIFFGetField (tif, TIFFTAG_PHOTOMETRIC, &photometric);

  /* JPEG-in-TIFF colour pages are YCbCr inside; libjpeg hands back RGB. */
  if (compression == COMPRESSION_JPEG && photometric == PHOTOMETRIC_YCBCR && spp == 3)
    {
      TIFFSetField (tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
      photometric = PHOTOMETRIC_RGB;
    }

  shrink_init (&s, w, h, limit);
  if (bps == 8 && planar == PLANARCONFIG_CONTIG && !TIFFIsTiled (tif) &&
      ((photometric == PHOTOMETRIC_MINISBLACK && spp == 1) ||
       (photometric == PHOTOMETRIC_RGB && spp == 3)))
    ok = read_rows (tif, &s, spp, cancellable, message, error);
  else
    ok = read_rgba (tif, &s, cancellable, message, error);
  TIFFClose (tif);

  if (!ok)
    {
      shrink_clear (&s);
      return NULL;
    }
  *width = w;
  *height = h;
  return shrink_finish (&s);
}

/* Worker thread: pixels already in memory (a page just scanned). */
static GPtrArray *
decode_pixels (GBytes        *pixels,
               guint          width,
               guint          height,
               guint          channels,
               gsize          stride,
               guint          limit,
               GCancellable  *cancellable,
               GError       **error)
{
  const guint8 *data = g_bytes_get_data (pixels, NULL);
  Shrink s = { 0 };

  shrink_init (&s, width, height, limit);
  for (guint y = 0; y < height; y++)
    {
      shrink_push (&s, data + (gsize)y * stride, channels);
      if ((y & 255) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          shrink_clear (&s);
          return NULL;
        }
    }
  return shrink_finish (&s);
}

/* ---- the cache of decodes (main thread only) ---------------------------------- */

typedef struct
{
  grefcount     ref;
  char         *key;
  GdkTexture   *texture;        /* once decoded: the largest of levels */
  GPtrArray    *levels;         /* GdkTexture, each half the one before */
  guint         source_width;
  guint         source_height;
  GError       *error;          /* once failed */
  gboolean      done;
  gboolean      anonymous;      /* pixels with no file: nobody can ask for it again */
  GCancellable *cancellable;
  GPtrArray    *waiters;        /* CatdImageView, not owned: each leaves before it goes */
  GList         lru_link;       /* in lru while done with a texture */

  /* What the worker decodes. */
  char         *path;
  GBytes       *pixels;
  guint         width;
  guint         height;
  guint         channels;
  gsize         stride;
  guint         limit;
} Decode;

static GHashTable *decodes;     /* key → Decode (owns a reference) */
static GQueue      lru = G_QUEUE_INIT;
static gsize       lru_bytes;
static guint       n_decodes;

static Decode *
decode_ref (Decode *decode)
{
  g_ref_count_inc (&decode->ref);
  return decode;
}

static void
decode_unref (Decode *decode)
{
  if (!g_ref_count_dec (&decode->ref))
    return;
  g_assert (decode->lru_link.data == NULL);
  g_free (decode->key);
  g_clear_object (&decode->texture);
  g_clear_pointer (&decode->levels, g_ptr_array_unref);
  g_clear_error (&decode->error);
  g_clear_object (&decode->cancellable);
  g_clear_pointer (&decode->waiters, g_ptr_array_unref);
  g_free (decode->path);
  g_clear_pointer (&decode->pixels, g_bytes_unref);
  g_free (decode);
}

static gsize
decode_bytes (Decode *decode)
{
  gsize bytes = 0;

  for (guint i = 0; i < decode->levels->len; i++)
    {
      GdkTexture *level = g_ptr_array_index (decode->levels, i);

      bytes += (gsize)gdk_texture_get_width (level) * gdk_texture_get_height (level) * 4;
    }
  return bytes;
}

static void
cache_forget (Decode *decode)
{
  if (decode->lru_link.data != NULL)
    {
      g_queue_unlink (&lru, &decode->lru_link);
      decode->lru_link.data = NULL;
      lru_bytes -= decode_bytes (decode);
    }
  if (g_hash_table_lookup (decodes, decode->key) == decode)
    g_hash_table_remove (decodes, decode->key);
}

/* Most recently used first; the oldest go when there are too many or they
 * take too much memory (a view still showing one keeps its texture). */
static void
cache_touch (Decode *decode)
{
  if (decode->lru_link.data != NULL)
    g_queue_unlink (&lru, &decode->lru_link);
  else
    lru_bytes += decode_bytes (decode);
  decode->lru_link.data = decode;
  g_queue_push_head_link (&lru, &decode->lru_link);

  while (lru.length > 1 && (lru.length > CACHE_MAX_ENTRIES || lru_bytes > CACHE_MAX_BYTES))
    cache_forget (g_queue_peek_tail (&lru));
}

static void view_decode_done (CatdImageView *self,
                              Decode        *decode);

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Decode *decode = task_data;
  GError *error = NULL;
  GPtrArray *levels;

  if (decode->path != NULL)
    levels = decode_tiff (decode->path, decode->limit, &decode->source_width,
                          &decode->source_height, cancellable, &error);
  else
    {
      levels = decode_pixels (decode->pixels, decode->width, decode->height, decode->channels,
                              decode->stride, decode->limit, cancellable, &error);
      decode->source_width = decode->width;
      decode->source_height = decode->height;
    }
  if (levels == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, levels, (GDestroyNotify) g_ptr_array_unref);
}

static void
decode_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Decode *decode = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) waiters = NULL;

  decode->levels = g_task_propagate_pointer (G_TASK (result), &decode->error);
  if (decode->levels != NULL)
    decode->texture = g_object_ref (g_ptr_array_index (decode->levels, 0));
  decode->done = TRUE;
  if (decode->error != NULL && !g_error_matches (decode->error, G_IO_ERROR,
                                                   G_IO_ERROR_CANCELLED))
    g_debug ("image %s: %s", decode->key, decode->error->message);

  /* A failure is not kept: the next request reads the file again. */
  if (decode->texture != NULL && !decode->anonymous &&
      g_hash_table_lookup (decodes, decode->key) == decode)
    cache_touch (decode);
  else
    cache_forget (decode);

  waiters = g_steal_pointer (&decode->waiters);
  decode->waiters = g_ptr_array_new ();
  for (guint i = 0; i < waiters->len; i++)
    view_decode_done (g_ptr_array_index (waiters, i), decode);
  g_clear_pointer (&decode->pixels, g_bytes_unref);
}

static void
decode_start (Decode *decode)
{
  g_autoptr(GTask) task = g_task_new (NULL, decode->cancellable, decode_done_cb, NULL);

  n_decodes++;
  g_task_set_source_tag (task, decode_start);
  g_task_set_task_data (task, decode_ref (decode), (GDestroyNotify)decode_unref);
  g_task_run_in_thread (task, decode_thread);
}

static Decode *
decode_new (const char *key,
            guint       limit)
{
  Decode *decode = g_new0 (Decode, 1);

  g_ref_count_init (&decode->ref);
  decode->key = g_strdup (key);
  decode->limit = limit;
  decode->cancellable = g_cancellable_new ();
  decode->waiters = g_ptr_array_new ();
  if (decodes == NULL)
    decodes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                     (GDestroyNotify)decode_unref);
  g_hash_table_insert (decodes, decode->key, decode);
  return decode;
}

/* A view stops waiting for @decode; nobody waiting any more cancels it. */
static void
decode_leave (Decode        *decode,
              CatdImageView *view)
{
  g_ptr_array_remove (decode->waiters, view);
  if (!decode->done && decode->waiters->len == 0)
    {
      g_cancellable_cancel (decode->cancellable);
      cache_forget (decode);
    }
  decode_unref (decode);
}

/* Files @texture (made elsewhere) in the cache under @key, unless @key is
 * there already. */
static void
cache_adopt (const char *key,
             GdkTexture *texture,
             GPtrArray  *levels,
             guint       source_width,
             guint       source_height)
{
  Decode *decode;

  if (decodes != NULL && g_hash_table_lookup (decodes, key) != NULL)
    return;
  decode = decode_new (key, 0);
  decode->texture = g_object_ref (texture);
  decode->levels = levels ? g_ptr_array_ref (levels)
                          : g_ptr_array_new_with_free_func (g_object_unref);
  if (levels == NULL)
    g_ptr_array_add (decode->levels, g_object_ref (texture));
  decode->source_width = source_width;
  decode->source_height = source_height;
  decode->done = TRUE;
  cache_touch (decode);
}

/**
 * catd_image_view_get_n_decodes:
 *
 * Returns: how many decodes (files read, or pixels converted) this process
 *   has started: what the tests count to see that a file is decoded once.
 */
guint
catd_image_view_get_n_decodes (void)
{
  return n_decodes;
}

/* ---- the widget --------------------------------------------------------------- */

struct _CatdImageView
{
  GtkWidget      parent_instance;

  GtkWidget     *hscrollbar;
  GtkWidget     *vscrollbar;
  GtkWidget     *status_label;
  GtkAdjustment *hadjustment;
  GtkAdjustment *vadjustment;

  GdkTexture    *texture;
  GPtrArray     *levels;           /* the texture's levels of detail, or NULL */
  GBytes        *shown_pixels;     /* the pixels the texture was made from, if any */
  guint          source_width;     /* the image's own size, before any shrinking */
  guint          source_height;
  Decode        *pending;          /* the decode this view waits for */
  char          *error;

  double         zoom;             /* screen pixels per source pixel */
  guint          rotation;         /* 0, 90, 180 or 270, clockwise */
  gboolean       fit_width;

  /* Zooming keeps the point under the pointer (or the centre) in place:
   * that point, as a fraction of the image, and where it must stay. */
  gboolean       anchored;
  double         anchor_fx;
  double         anchor_fy;
  double         anchor_x;
  double         anchor_y;

  double         pointer_x;
  double         pointer_y;
  double         drag_h;
  double         drag_v;

  graphene_rect_t area;            /* where the image is drawn */

  /* The level of detail drawn, as a cairo surface made once (see
   * catd_image_view_snapshot ()), and the texture it was made from. */
  cairo_surface_t *surface;
  GdkTexture      *surface_level;
};

G_DEFINE_FINAL_TYPE (CatdImageView, catd_image_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  PROP_LOADING,
  PROP_ERROR,
  PROP_ZOOM,
  PROP_FIT_WIDTH,
  PROP_ROTATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static double
rotated_width (CatdImageView *self)
{
  return self->rotation % 180 ? self->source_height : self->source_width;
}

static double
rotated_height (CatdImageView *self)
{
  return self->rotation % 180 ? self->source_width : self->source_height;
}

static void
update_actions (CatdImageView *self)
{
  gboolean shown = self->texture != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.zoom-in",
                                 shown && self->zoom < ZOOM_MAX);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.zoom-out",
                                 shown && self->zoom > ZOOM_MIN);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.fit-width", shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.rotate", shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.pan", shown);
}

static void
update_description (CatdImageView *self)
{
  g_autofree char *text = NULL;

  if (self->texture == NULL)
    text = g_strdup (self->error ? self->error : "");
  else
    /* TRANSLATORS: how the page is shown: zoom in percent, rotation in degrees */
    text = g_strdup_printf (_("Zoom %.0f %%, rotated %u°"), self->zoom * 100, self->rotation);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text, -1);
}

static void
set_zoom_internal (CatdImageView *self,
                   double         zoom)
{
  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  if (G_APPROX_VALUE (zoom, self->zoom, 1e-9))
    return;
  self->zoom = zoom;
  update_actions (self);
  update_description (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

static void
set_fit_width_internal (CatdImageView *self,
                        gboolean       fit_width)
{
  fit_width = !!fit_width;
  if (self->fit_width == fit_width)
    return;
  self->fit_width = fit_width;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT_WIDTH]);
}

/* Remembers which point of the image is at (@x, @y) of the widget, so that
 * the next layout keeps it there. */
static void
anchor_at (CatdImageView *self,
           double         x,
           double         y)
{
  double cw = rotated_width (self) * self->zoom;
  double ch = rotated_height (self) * self->zoom;
  double ox, oy;

  if (self->texture == NULL || cw <= 0 || ch <= 0)
    return;
  x -= self->area.origin.x;
  y -= self->area.origin.y;
  ox = cw < self->area.size.width ? (self->area.size.width - cw) / 2
                                  : -gtk_adjustment_get_value (self->hadjustment);
  oy = ch < self->area.size.height ? (self->area.size.height - ch) / 2
                                   : -gtk_adjustment_get_value (self->vadjustment);
  self->anchored = TRUE;
  self->anchor_fx = CLAMP ((x - ox) / cw, 0, 1);
  self->anchor_fy = CLAMP ((y - oy) / ch, 0, 1);
  self->anchor_x = x;
  self->anchor_y = y;
}

static void
zoom_by (CatdImageView *self,
         double         factor,
         double         x,
         double         y)
{
  if (self->texture == NULL)
    return;
  anchor_at (self, x, y);
  set_fit_width_internal (self, FALSE);
  set_zoom_internal (self, self->zoom * factor);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
zoom_centre (CatdImageView *self,
             double         factor)
{
  zoom_by (self, factor, self->area.origin.x + self->area.size.width / 2,
           self->area.origin.y + self->area.size.height / 2);
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  zoom_centre (CATD_IMAGE_VIEW (widget), ZOOM_STEP);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  zoom_centre (CATD_IMAGE_VIEW (widget), 1 / ZOOM_STEP);
}

static void
fit_width_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  catd_image_view_set_fit_width (CATD_IMAGE_VIEW (widget), TRUE);
}

static void
rotate_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CatdImageView *self = CATD_IMAGE_VIEW (widget);

  catd_image_view_set_rotation (self, (self->rotation + 90) % 360);
}

static void
scroll_adjustment (GtkAdjustment *adjustment,
                   double         delta)
{
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + delta);
}

/* "(ii)": arrow keys move by a step, with Page Up/Down by a page, in each
 * direction (-1, 0 or 1; ±2 goes to the start or the end). */
static void
pan_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CatdImageView *self = CATD_IMAGE_VIEW (widget);
  GtkAdjustment *adjustments[2] = { self->hadjustment, self->vadjustment };
  int d[2];

  g_variant_get (parameter, "(ii)", &d[0], &d[1]);
  for (guint i = 0; i < 2; i++)
    {
      GtkAdjustment *a = adjustments[i];

      if (d[i] == 0)
        continue;
      if (d[i] == -2)
        gtk_adjustment_set_value (a, gtk_adjustment_get_lower (a));
      else if (d[i] == 2)
        gtk_adjustment_set_value (a, gtk_adjustment_get_upper (a));
      else if (ABS (d[i]) == 3)
        scroll_adjustment (a, d[i] / 3 * gtk_adjustment_get_page_increment (a));
      else
        scroll_adjustment (a, d[i] * gtk_adjustment_get_step_increment (a));
    }
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           CatdImageView            *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  gboolean wheel = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL;

  if (self->texture == NULL)
    return FALSE;

  if (state & GDK_CONTROL_MASK)
    {
      /* Ctrl + wheel: one notch is one zoom step, at the pointer. */
      double factor = wheel ? pow (ZOOM_STEP, -dy) : pow (ZOOM_STEP, -dy / 20);

      zoom_by (self, factor, self->pointer_x, self->pointer_y);
      return TRUE;
    }

  if (state & GDK_SHIFT_MASK && dx == 0)
    {
      dx = dy;
      dy = 0;
    }
  if (wheel)
    {
      dx *= pow (gtk_adjustment_get_page_size (self->hadjustment), 2.0 / 3.0);
      dy *= pow (gtk_adjustment_get_page_size (self->vadjustment), 2.0 / 3.0);
    }
  scroll_adjustment (self->hadjustment, dx);
  scroll_adjustment (self->vadjustment, dy);
  return TRUE;
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           CatdImageView            *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               CatdImageView  *self)
{
  self->drag_h = gtk_adjustment_get_value (self->hadjustment);
  self->drag_v = gtk_adjustment_get_value (self->vadjustment);
  if (gtk_widget_get_focusable (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                CatdImageView  *self)
{
  gtk_adjustment_set_value (self->hadjustment, self->drag_h - offset_x);
  gtk_adjustment_set_value (self->vadjustment, self->drag_v - offset_y);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             CatdImageView  *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
}

static void
adjustment_changed_cb (CatdImageView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
catd_image_view_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  CatdImageView *self = CATD_IMAGE_VIEW (widget);
  int label_min = 0, label_nat = 0;

  gtk_widget_measure (self->status_label, orientation, -1, &label_min, &label_nat, NULL, NULL);
  /* The page asks for little: it is scrolled, not grown. */
  *minimum = MAX (label_min, 64);
  *natural = MAX (label_nat, 240);
}

static void
configure_adjustment (GtkAdjustment *adjustment,
                      double         content,
                      double         page,
                      double         value)
{
  double upper = MAX (content, page);

  gtk_adjustment_configure (adjustment, CLAMP (value, 0, upper - page), 0, upper,
                            MAX (page * 0.1, 1), MAX (page * 0.9, 1), page);
}

static void
catd_image_view_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  CatdImageView *self = CATD_IMAGE_VIEW (widget);
  int vbar = 0, hbar = 0, label_h = 0;
  gboolean show_h = FALSE, show_v = FALSE;
  double aw = width, ah = height, cw = 0, ch = 0;

  gtk_widget_measure (self->vscrollbar, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &vbar, NULL, NULL);
  gtk_widget_measure (self->hscrollbar, GTK_ORIENTATION_VERTICAL, -1, NULL, &hbar, NULL, NULL);

  /* Each scrollbar shown takes room from the other direction: settle in a
   * few passes (fitting the width may call for the vertical bar). */
  for (guint pass = 0; self->texture != NULL && pass < 3; pass++)
    {
      gboolean need_h, need_v;

      aw = MAX (1, width - (show_v ? vbar : 0));
      ah = MAX (1, height - (show_h ? hbar : 0));
      if (self->fit_width && rotated_width (self) > 0)
        set_zoom_internal (self, aw / rotated_width (self));
      cw = rotated_width (self) * self->zoom;
      ch = rotated_height (self) * self->zoom;
      need_h = cw > aw + 0.5;
      need_v = ch > ah + 0.5;
      if (need_h == show_h && need_v == show_v)
        break;
      show_h = need_h;
      show_v = need_v;
    }
  aw = MAX (1, width - (show_v ? vbar : 0));
  ah = MAX (1, height - (show_h ? hbar : 0));
  self->area = GRAPHENE_RECT_INIT (0, 0, aw, ah);

  g_signal_handlers_block_by_func (self->hadjustment, adjustment_changed_cb, self);
  g_signal_handlers_block_by_func (self->vadjustment, adjustment_changed_cb, self);
  configure_adjustment (self->hadjustment, cw, aw,
                        self->anchored ? self->anchor_fx * cw - self->anchor_x
                                       : gtk_adjustment_get_value (self->hadjustment));
  configure_adjustment (self->vadjustment, ch, ah,
                        self->anchored ? self->anchor_fy * ch - self->anchor_y
                                       : gtk_adjustment_get_value (self->vadjustment));
  g_signal_handlers_unblock_by_func (self->hadjustment, adjustment_changed_cb, self);
  g_signal_handlers_unblock_by_func (self->vadjustment, adjustment_changed_cb, self);
  self->anchored = FALSE;

  /* After the adjustments: a scrollbar lays its slider out from them. */
  gtk_widget_set_child_visible (self->hscrollbar, show_h);
  gtk_widget_set_child_visible (self->vscrollbar, show_v);
  if (show_v)
    gtk_widget_size_allocate (self->vscrollbar,
                              &(GtkAllocation) { width - vbar, 0, vbar, ah }, -1);
  if (show_h)
    gtk_widget_size_allocate (self->hscrollbar,
                              &(GtkAllocation) { 0, height - hbar, aw, hbar }, -1);

  gtk_widget_set_cursor_from_name (widget, show_h || show_v ? "grab" : NULL);

  if (gtk_widget_get_visible (self->status_label))
    {
      int w = (int)aw - 24;

      gtk_widget_measure (self->status_label, GTK_ORIENTATION_VERTICAL, MAX (w, 1), NULL,
                          &label_h, NULL, NULL);
      gtk_widget_size_allocate (self->status_label,
                                &(GtkAllocation) { 12, MAX (0, ((int)ah - label_h) / 2),
                                                   MAX (w, 1), label_h }, -1);
    }
}

static GdkTexture *
pick_level (CatdImageView *self,
            double         shown_width)
{
  double device = shown_width * gtk_widget_get_scale_factor (GTK_WIDGET (self));
  GdkTexture *best = self->texture;

  for (guint i = 1; self->levels != NULL && i < self->levels->len; i++)
    {
      GdkTexture *level = g_ptr_array_index (self->levels, i);

      if (gdk_texture_get_width (level) < device)
        break;
      best = level;
    }
  return best;
}

static void
catd_image_view_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  CatdImageView *self = CATD_IMAGE_VIEW (widget);

  if (self->texture != NULL && self->zoom > 0)
    {
      double cw = rotated_width (self) * self->zoom;
      double ch = rotated_height (self) * self->zoom;
      double scale_x = self->source_width * self->zoom;
      double scale_y = self->source_height * self->zoom;
      double ox, oy;
      graphene_rect_t visible;

      ox = cw < self->area.size.width ? floor ((self->area.size.width - cw) / 2)
                                      : -round (gtk_adjustment_get_value (self->hadjustment));
      oy = ch < self->area.size.height ? floor ((self->area.size.height - ch) / 2)
                                       : -round (gtk_adjustment_get_value (self->vadjustment));

      visible = GRAPHENE_RECT_INIT (ox, oy, cw, ch);
      if (graphene_rect_intersection (&visible, &self->area, &visible) &&
          visible.size.width >= 1 && visible.size.height >= 1)
        {
          GdkTexture *level = pick_level (self, scale_x);
          cairo_t *cr;

          /* GTK 4.8's cairo renderer converts a texture node's whole
           * texture to a cairo surface at every frame that draws it (a
           * cursor blink in the form beside it is enough): several
           * milliseconds a frame for a page. The page is converted once
           * here instead, and each snapshot (a scroll, a zoom, a resize,
           * not a frame) draws only the visible part. */
          if (self->surface_level != level)
            {
              g_clear_pointer (&self->surface, cairo_surface_destroy);
              self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                          gdk_texture_get_width (level),
                                                          gdk_texture_get_height (level));
              gdk_texture_download (level, cairo_image_surface_get_data (self->surface),
                                    cairo_image_surface_get_stride (self->surface));
              cairo_surface_mark_dirty (self->surface);
              self->surface_level = level;
            }

          cr = gtk_snapshot_append_cairo (snapshot, &visible);
          cairo_translate (cr, ox, oy);
          switch (self->rotation)
            {
            case 90:
              cairo_translate (cr, cw, 0);
              break;
            case 180:
              cairo_translate (cr, cw, ch);
              break;
            case 270:
              cairo_translate (cr, 0, ch);
              break;
            default:
              break;
            }
          if (self->rotation != 0)
            cairo_rotate (cr, self->rotation * G_PI / 180);
          /* The level may be smaller than the image (shrunk to the
           * screen): it is drawn at the image's size. */
          cairo_scale (cr, scale_x / gdk_texture_get_width (level),
                       scale_y / gdk_texture_get_height (level));
          cairo_set_source_surface (cr, self->surface, 0, 0);
          cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
          cairo_paint (cr);
          cairo_destroy (cr);
        }
    }

  gtk_widget_snapshot_child (widget, self->status_label, snapshot);
  if (gtk_widget_get_child_visible (self->hscrollbar))
    gtk_widget_snapshot_child (widget, self->hscrollbar, snapshot);
  if (gtk_widget_get_child_visible (self->vscrollbar))
    gtk_widget_snapshot_child (widget, self->vscrollbar, snapshot);
}

static void
set_status (CatdImageView *self,
            const char    *text)
{
  gtk_label_set_label (GTK_LABEL (self->status_label), text ? text : "");
  gtk_widget_set_visible (self->status_label, text != NULL);
}

static void
set_error (CatdImageView *self,
           const char    *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
show_texture (CatdImageView *self,
              GdkTexture    *texture,
              GPtrArray     *levels,
              guint          source_width,
              guint          source_height)
{
  if (texture == self->texture)
    return;
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  self->surface_level = NULL;
  g_clear_pointer (&self->shown_pixels, g_bytes_unref);
  g_clear_pointer (&self->levels, g_ptr_array_unref);
  if (levels != NULL)
    self->levels = g_ptr_array_ref (levels);
  g_set_object (&self->texture, texture);
  self->source_width = texture ? source_width : 0;
  self->source_height = texture ? source_height : 0;
  if (texture != NULL)
    {
      /* A new page starts at the full width, from its top. */
      set_fit_width_internal (self, TRUE);
      gtk_adjustment_set_value (self->hadjustment, 0);
      gtk_adjustment_set_value (self->vadjustment, 0);
    }
  update_actions (self);
  update_description (self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

static void
stop_waiting (CatdImageView *self)
{
  Decode *decode = g_steal_pointer (&self->pending);

  if (decode != NULL)
    {
      decode_leave (decode, self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }
}

static void
view_decode_done (CatdImageView *self,
                  Decode        *decode)
{
  g_assert (self->pending == decode);

  self->pending = NULL;
  if (decode->texture != NULL)
    {
      set_status (self, NULL);
      set_error (self, NULL);
      show_texture (self, decode->texture, decode->levels, decode->source_width,
                    decode->source_height);
      if (decode->pixels != NULL)
        self->shown_pixels = g_bytes_ref (decode->pixels);
    }
  else if (!g_error_matches (decode->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      const char *message = _("This image cannot be shown: the file is damaged or is not a "
                              "TIFF image.");

      set_status (self, message);
      set_error (self, message);
      update_description (self);
    }
  decode_unref (decode);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static guint
texture_limit (CatdImageView *self)
{
  GListModel *monitors = gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (self)));
  int longest = 0;

  for (guint i = 0; i < g_list_model_get_n_items (monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      GdkRectangle geometry;

      gdk_monitor_get_geometry (monitor, &geometry);
      longest = MAX (longest, MAX (geometry.width, geometry.height) *
                              gdk_monitor_get_scale_factor (monitor));
    }
  if (longest <= 0)
    longest = 1920;
  /* Twice the screen: room to zoom in on a handwritten digit. */
  return 2 * longest;
}

/* Shows the decode of @key, starting it with @prepare if nobody has. */
static void
request (CatdImageView *self,
         const char    *key,
         void         (*prepare) (Decode *, gpointer),
         gpointer       data)
{
  Decode *decode;

  /* Asked again for what is coming: nothing to do. */
  if (key != NULL && self->pending != NULL && g_str_equal (self->pending->key, key))
    return;
  stop_waiting (self);
  decode = key && decodes ? g_hash_table_lookup (decodes, key) : NULL;
  set_error (self, NULL);

  if (decode != NULL && decode->done && decode->texture != NULL)
    {
      cache_touch (decode);
      set_status (self, NULL);
      show_texture (self, decode->texture, decode->levels, decode->source_width,
                    decode->source_height);
      return;
    }

  /* The page shown so far goes: it is not the one asked for. */
  show_texture (self, NULL, NULL, 0, 0);
  set_status (self, _("Loading the image…"));
  if (decode == NULL)
    {
      g_autofree char *unique = key ? NULL : g_strdup_printf ("pixels:%p:%u", (void *)self,
                                                              g_random_int ());

      decode = decode_new (key ? key : unique, texture_limit (self));
      decode->anonymous = key == NULL;
      prepare (decode, data);
      g_ptr_array_add (decode->waiters, self);
      self->pending = decode_ref (decode);
      decode_start (decode);
    }
  else
    {
      g_ptr_array_add (decode->waiters, self);
      self->pending = decode_ref (decode);
    }
  update_description (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
catd_image_view_dispose (GObject *object)
{
  CatdImageView *self = (CatdImageView *)object;

  if (self->pending != NULL)
    decode_leave (g_steal_pointer (&self->pending), self);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  self->surface_level = NULL;
  g_clear_object (&self->texture);
  g_clear_pointer (&self->levels, g_ptr_array_unref);
  g_clear_pointer (&self->shown_pixels, g_bytes_unref);
  g_clear_pointer (&self->hscrollbar, gtk_widget_unparent);
  g_clear_pointer (&self->vscrollbar, gtk_widget_unparent);
  g_clear_pointer (&self->status_label, gtk_widget_unparent);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (catd_image_view_parent_class)->dispose (object);
}

static void
catd_image_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CatdImageView *self = CATD_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, self->pending != NULL);
      break;

    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;

    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;

    case PROP_FIT_WIDTH:
      g_value_set_boolean (value, self->fit_width);
      break;

    case PROP_ROTATION:
      g_value_set_uint (value, self->rotation);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_image_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CatdImageView *self = CATD_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      catd_image_view_set_zoom (self, g_value_get_double (value));
      break;

    case PROP_FIT_WIDTH:
      catd_image_view_set_fit_width (self, g_value_get_boolean (value));
      break;

    case PROP_ROTATION:
      catd_image_view_set_rotation (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_keys (GtkWidgetClass *widget_class,
          const guint    *keys,
          guint           n_keys,
          const char     *action)
{
  for (guint i = 0; i < n_keys; i++)
    {
      gtk_widget_class_add_binding_action (widget_class, keys[i], 0, action, NULL);
      gtk_widget_class_add_binding_action (widget_class, keys[i], GDK_CONTROL_MASK, action, NULL);
    }
}

static void
add_pan_key (GtkWidgetClass *widget_class,
             guint           key,
             int             dx,
             int             dy)
{
  gtk_widget_class_add_binding_action (widget_class, key, 0, "view.pan", "(ii)", dx, dy);
}

static void
catd_image_view_class_init (CatdImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const guint zoom_in_keys[] = { GDK_KEY_plus, GDK_KEY_equal, GDK_KEY_KP_Add };
  static const guint zoom_out_keys[] = { GDK_KEY_minus, GDK_KEY_KP_Subtract };
  static const guint fit_keys[] = { GDK_KEY_0, GDK_KEY_KP_0 };
  static const guint rotate_keys[] = { GDK_KEY_r, GDK_KEY_R };

  object_class->dispose = catd_image_view_dispose;
  object_class->get_property = catd_image_view_get_property;
  object_class->set_property = catd_image_view_set_property;
  widget_class->measure = catd_image_view_measure;
  widget_class->size_allocate = catd_image_view_size_allocate;
  widget_class->snapshot = catd_image_view_snapshot;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, ZOOM_MIN, ZOOM_MAX, 1.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_FIT_WIDTH] =
    g_param_spec_boolean ("fit-width", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ROTATION] =
    g_param_spec_uint ("rotation", NULL, NULL, 0, 270, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "view.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "view.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "view.fit-width", NULL, fit_width_action);
  gtk_widget_class_install_action (widget_class, "view.rotate", NULL, rotate_action);
  gtk_widget_class_install_action (widget_class, "view.pan", "(ii)", pan_action);

  add_keys (widget_class, zoom_in_keys, G_N_ELEMENTS (zoom_in_keys), "view.zoom-in");
  add_keys (widget_class, zoom_out_keys, G_N_ELEMENTS (zoom_out_keys), "view.zoom-out");
  add_keys (widget_class, fit_keys, G_N_ELEMENTS (fit_keys), "view.fit-width");
  add_keys (widget_class, rotate_keys, G_N_ELEMENTS (rotate_keys), "view.rotate");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_SHIFT_MASK,
                                       "view.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "view.zoom-in", NULL);
  add_pan_key (widget_class, GDK_KEY_Left, -1, 0);
  add_pan_key (widget_class, GDK_KEY_Right, 1, 0);
  add_pan_key (widget_class, GDK_KEY_Up, 0, -1);
  add_pan_key (widget_class, GDK_KEY_Down, 0, 1);
  add_pan_key (widget_class, GDK_KEY_KP_Left, -1, 0);
  add_pan_key (widget_class, GDK_KEY_KP_Right, 1, 0);
  add_pan_key (widget_class, GDK_KEY_KP_Up, 0, -1);
  add_pan_key (widget_class, GDK_KEY_KP_Down, 0, 1);
  add_pan_key (widget_class, GDK_KEY_Page_Up, 0, -3);
  add_pan_key (widget_class, GDK_KEY_Page_Down, 0, 3);
  add_pan_key (widget_class, GDK_KEY_Home, 0, -2);
  add_pan_key (widget_class, GDK_KEY_End, 0, 2);

  gtk_widget_class_set_css_name (widget_class, "catd-image-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
catd_image_view_init (CatdImageView *self)
{
  GtkEventController *controller;
  GtkGesture *drag;

  self->zoom = 1.0;
  self->fit_width = TRUE;
  self->hadjustment = g_object_ref_sink (gtk_adjustment_new (0, 0, 1, 1, 1, 1));
  self->vadjustment = g_object_ref_sink (gtk_adjustment_new (0, 0, 1, 1, 1, 1));
  g_signal_connect_swapped (self->hadjustment, "value-changed",
                            G_CALLBACK (adjustment_changed_cb), self);
  g_signal_connect_swapped (self->vadjustment, "value-changed",
                            G_CALLBACK (adjustment_changed_cb), self);

  self->status_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->status_label), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->status_label), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (self->status_label, "dim-label");
  gtk_widget_set_visible (self->status_label, FALSE);
  gtk_widget_set_parent (self->status_label, GTK_WIDGET (self));
  self->hscrollbar = gtk_scrollbar_new (GTK_ORIENTATION_HORIZONTAL, self->hadjustment);
  gtk_widget_set_parent (self->hscrollbar, GTK_WIDGET (self));
  self->vscrollbar = gtk_scrollbar_new (GTK_ORIENTATION_VERTICAL, self->vadjustment);
  gtk_widget_set_parent (self->vscrollbar, GTK_WIDGET (self));
  gtk_widget_set_child_visible (self->hscrollbar, FALSE);
  gtk_widget_set_child_visible (self->vscrollbar, FALSE);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Acta image"), -1);
  update_actions (self);
}

GtkWidget *
catd_image_view_new (void)
{
  return g_object_new (CATD_TYPE_IMAGE_VIEW, NULL);
}

static void
prepare_file (Decode   *decode,
              gpointer  data)
{
  decode->path = g_strdup (data);
}

/**
 * catd_image_view_load_file:
 * @path: a TIFF file (or any image libtiff reads)
 *
 * Shows the image at @path, decoded on a worker thread, or at once if this
 * process decoded it lately (the cache assumes files do not change under
 * the same path: the station's images are named by their hash). A later
 * call, set_pixels, set_texture or clear wins over a load in flight.
 */
void
catd_image_view_load_file (CatdImageView *self,
                           const char    *path)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));
  g_return_if_fail (path != NULL);

  request (self, path, prepare_file, (gpointer)path);
}

typedef struct
{
  GBytes *pixels;
  guint   width;
  guint   height;
  guint   channels;
  gsize   stride;
} Pixels;

static void
prepare_pixels (Decode   *decode,
                gpointer  data)
{
  Pixels *p = data;

  decode->pixels = g_bytes_ref (p->pixels);
  decode->width = p->width;
  decode->height = p->height;
  decode->channels = p->channels;
  decode->stride = p->stride;
}

/**
 * catd_image_view_set_pixels:
 * @pixels: 8-bit rows, top to bottom, grey (@channels 1) or RGB (3)
 * @path: (nullable): the file these pixels were stored as, if any: a later
 *   catd_image_view_load_file() of @path (in any view) then reuses this
 *   texture instead of decoding the file
 *
 * Shows an image already in memory (a page just scanned). The conversion
 * runs on a worker thread; @pixels is referenced, not copied.
 */
void
catd_image_view_set_pixels (CatdImageView *self,
                            GBytes        *pixels,
                            guint          width,
                            guint          height,
                            guint          channels,
                            gsize          stride,
                            const char    *path)
{
  Pixels p = { pixels, width, height, channels, stride };

  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));
  g_return_if_fail (pixels != NULL);
  g_return_if_fail (channels == 1 || channels == 3);
  g_return_if_fail (width > 0 && height > 0 && stride >= (gsize)width * channels);
  g_return_if_fail (g_bytes_get_size (pixels) >= stride * (height - 1) + (gsize)width * channels);

  /* The same pixels shown already (a page that waited for a decision, now
   * stored): that texture is the file's, from now on. */
  if (path != NULL && self->shown_pixels == pixels && self->pending == NULL &&
      self->texture != NULL)
    {
      cache_adopt (path, self->texture, self->levels, self->source_width, self->source_height);
      return;
    }
  request (self, path, prepare_pixels, &p);
}

/* Shows @texture as it is (its size is the image's size). */
void
catd_image_view_set_texture (CatdImageView *self,
                             GdkTexture    *texture)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));
  g_return_if_fail (!texture || GDK_IS_TEXTURE (texture));

  stop_waiting (self);
  set_status (self, NULL);
  set_error (self, NULL);
  show_texture (self, texture, NULL, texture ? gdk_texture_get_width (texture) : 0,
                texture ? gdk_texture_get_height (texture) : 0);
}

/* Forgets the page shown (and a load in flight). */
void
catd_image_view_clear (CatdImageView *self)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));

  catd_image_view_set_texture (self, NULL);
}

/* The texture shown (perhaps smaller than the image), or %NULL. */
GdkTexture *
catd_image_view_get_texture (CatdImageView *self)
{
  g_return_val_if_fail (CATD_IS_IMAGE_VIEW (self), NULL);

  return self->texture;
}

gboolean
catd_image_view_get_loading (CatdImageView *self)
{
  g_return_val_if_fail (CATD_IS_IMAGE_VIEW (self), FALSE);

  return self->pending != NULL;
}

/* The sentence shown when the last image could not be decoded, or %NULL. */
const char *
catd_image_view_get_error (CatdImageView *self)
{
  g_return_val_if_fail (CATD_IS_IMAGE_VIEW (self), NULL);

  return self->error;
}

/* The size of the image shown, in its own pixels (0 × 0 when none). */
void
catd_image_view_get_source_size (CatdImageView *self,
                                 guint         *width,
                                 guint         *height)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));

  if (width)
    *width = self->source_width;
  if (height)
    *height = self->source_height;
}

/* Screen pixels per pixel of the image: 1.0 shows it at its own size. */
double
catd_image_view_get_zoom (CatdImageView *self)
{
  g_return_val_if_fail (CATD_IS_IMAGE_VIEW (self), 1.0);

  return self->zoom;
}

void
catd_image_view_set_zoom (CatdImageView *self,
                          double         zoom)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));

  if (self->texture != NULL)
    anchor_at (self, self->area.origin.x + self->area.size.width / 2,
               self->area.origin.y + self->area.size.height / 2);
  set_fit_width_internal (self, FALSE);
  set_zoom_internal (self, zoom);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

/* Whether the zoom follows the view's width (the default for a new page). */
gboolean
catd_image_view_get_fit_width (CatdImageView *self)
{
  g_return_val_if_fail (CATD_IS_IMAGE_VIEW (self), FALSE);

  return self->fit_width;
}

void
catd_image_view_set_fit_width (CatdImageView *self,
                               gboolean       fit_width)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));

  set_fit_width_internal (self, fit_width);
  if (fit_width)
    gtk_adjustment_set_value (self->hadjustment, 0);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

guint
catd_image_view_get_rotation (CatdImageView *self)
{
  g_return_val_if_fail (CATD_IS_IMAGE_VIEW (self), 0);

  return self->rotation;
}

/* Turns the page clockwise by @degrees (0, 90, 180 or 270). */
void
catd_image_view_set_rotation (CatdImageView *self,
                              guint          degrees)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));
  g_return_if_fail (degrees % 90 == 0 && degrees < 360);

  if (self->rotation == degrees)
    return;
  anchor_at (self, self->area.origin.x + self->area.size.width / 2,
             self->area.origin.y + self->area.size.height / 2);
  /* The same point of the page stays in the middle, turned with it: each
   * quarter turn clockwise takes (x, y) of the image to (1 - y, x). */
  for (guint turns = ((degrees + 360 - self->rotation) % 360) / 90; self->anchored && turns > 0;
       turns--)
    {
      double fx = self->anchor_fx;

      self->anchor_fx = 1 - self->anchor_fy;
      self->anchor_fy = fx;
    }
  self->rotation = degrees;
  update_description (self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROTATION]);
}

/**
 * catd_image_view_get_drawn_level:
 *
 * Returns: (transfer none) (nullable): the level of detail the last
 *   snapshot drew the page from (the texture itself, or one of its smaller
 *   copies), or %NULL before the page was first drawn.
 */
GdkTexture *
catd_image_view_get_drawn_level (CatdImageView *self)
{
  g_return_val_if_fail (CATD_IS_IMAGE_VIEW (self), NULL);

  return self->surface_level;
}
