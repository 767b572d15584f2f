/* test-image-view.c - the acta page viewer: decoding once, shrinking, zoom, pan, rotation
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <tiffio.h>

#include "catd-gui-test-util.h"
#include "catd-image-view.h"
#include "catd-test-util.h"
#include "catd-tiff.h"

#define WAIT_MS 20000

typedef struct
{
  char      *dir;
  GtkWidget *window;
  GtkWidget *box;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = catd_test_make_dir ();
  f->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_set_homogeneous (GTK_BOX (f->box), TRUE);
  f->window = catd_gui_test_window (f->box);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 600);
  catd_gui_test_spin (50);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  catd_gui_test_spin (50);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

static CatdImageView *
add_view (Fixture *f)
{
  GtkWidget *view = catd_image_view_new ();

  gtk_widget_set_hexpand (view, TRUE);
  gtk_widget_set_vexpand (view, TRUE);
  gtk_box_append (GTK_BOX (f->box), view);
  return CATD_IMAGE_VIEW (view);
}

static gboolean
has_texture (gpointer data)
{
  return catd_image_view_get_texture (data) != NULL;
}

static gboolean
not_loading (gpointer data)
{
  return !catd_image_view_get_loading (data);
}

static void
wait_texture (CatdImageView *view)
{
  if (!catd_gui_test_wait (has_texture, view, WAIT_MS))
    g_test_fail_printf ("the view never showed its image (%s)",
                        catd_image_view_get_error (view) ? catd_image_view_get_error (view)
                                                         : "no error");
}

/* Pixel (x, y) of @texture as 0xAARRGGBB. */
static guint32
pixel (GdkTexture *texture,
       guint       x,
       guint       y)
{
  gsize stride = (gsize)gdk_texture_get_width (texture) * 4;
  g_autofree guint8 *data = g_malloc (stride * gdk_texture_get_height (texture));

  gdk_texture_download (texture, data, stride);
  return *(guint32 *)(data + y * stride + x * 4);
}

static guint
grey_of (guint32 argb)
{
  guint r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;

  return (r + g + b) / 3;
}

/* A TIFF whose left half is black and right half white (grey or RGB,
 * 8 bits, or 1-bit bilevel), strips of 64 rows. */
static char *
write_halves (Fixture    *f,
              const char *name,
              guint       width,
              guint       height,
              guint       spp,
              guint       bps,
              guint16     compression)
{
  char *path = g_build_filename (f->dir, name, NULL);
  TIFF *tif = TIFFOpen (path, "w");
  gsize row_bytes = bps == 1 ? (width + 7) / 8 : (gsize)width * spp;
  g_autofree guint8 *row = g_malloc0 (row_bytes);

  g_assert_nonnull (tif);
  TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField (tif, TIFFTAG_IMAGELENGTH, height);
  TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, spp);
  TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, bps);
  TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, bps == 1 ? PHOTOMETRIC_MINISWHITE :
                spp == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
  TIFFSetField (tif, TIFFTAG_COMPRESSION, compression);
  TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, 64);
  if (bps == 1)
    /* MINISWHITE: a set bit is black. */
    for (guint x = 0; x < width / 2; x++)
      row[x / 8] |= 0x80 >> (x % 8);
  else
    for (guint x = width / 2; x < width; x++)
      for (guint c = 0; c < spp; c++)
        row[x * spp + c] = 255;
  for (guint y = 0; y < height; y++)
    g_assert_cmpint (TIFFWriteScanline (tif, row, y, 0), ==, 1);
  TIFFClose (tif);
  return path;
}

static void
check_halves (CatdImageView *view,
              guint          width,
              guint          height,
              const char    *what)
{
  GdkTexture *texture = catd_image_view_get_texture (view);
  guint w, h, sw = 0, sh = 0;

  if (texture == NULL)
    return;
  w = gdk_texture_get_width (texture);
  h = gdk_texture_get_height (texture);
  catd_image_view_get_source_size (view, &sw, &sh);
  g_assert_cmpuint (sw, ==, width);
  g_assert_cmpuint (sh, ==, height);
  if (grey_of (pixel (texture, 0, 0)) > 10 || grey_of (pixel (texture, w - 1, h - 1)) < 245)
    g_test_fail_printf ("%s: the left half is not black or the right half not white "
                        "(%06x, %06x)", what, pixel (texture, 0, 0) & 0xffffff,
                        pixel (texture, w - 1, h - 1) & 0xffffff);
  if ((pixel (texture, w / 4, h / 2) >> 24) != 0xff)
    g_test_fail_printf ("%s: the texture is not opaque", what);
}

/* The formats an operator meets: the station's own grey and colour pages,
 * an imported RGB file, a fax-like bilevel one. */
static void
test_formats (Fixture       *f,
              gconstpointer  data)
{
  static const struct
  {
    const char *name;
    guint       spp;
    guint       bps;
    guint16     compression;
  } cases[] = {
    { "grey-deflate.tif", 1, 8, COMPRESSION_ADOBE_DEFLATE },
    { "rgb-lzw.tif", 3, 8, COMPRESSION_LZW },
    { "bilevel-g4.tif", 1, 1, COMPRESSION_CCITTFAX4 },
  };
  CatdImageView *view = add_view (f);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_halves (f, cases[i].name, 640, 480, cases[i].spp,
                                            cases[i].bps, cases[i].compression);

      catd_image_view_load_file (view, path);
      g_assert_true (catd_image_view_get_loading (view));
      wait_texture (view);
      check_halves (view, 640, 480, cases[i].name);
    }

  /* A colour page as the station stores it: JPEG in TIFF (YCbCr inside). */
  {
    gsize stride = 640 * 3;
    g_autofree guint8 *rgb = g_malloc0 (stride * 480);
    g_autoptr(GBytes) tiff = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename (f->dir, "colour-jpeg.tif", NULL);
    CatdTiffParams params = { .width = 640, .height = 480, .channels = 3, .dpi = 200,
                              .compression = CATD_TIFF_JPEG, .time_usec = 1 };

    for (guint y = 0; y < 480; y++)
      memset (rgb + y * stride + 320 * 3, 255, 320 * 3);
    tiff = catd_tiff_encode (rgb, stride, &params, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (path, g_bytes_get_data (tiff, NULL),
                                        g_bytes_get_size (tiff), NULL));
    catd_image_view_load_file (view, path);
    wait_texture (view);
    check_halves (view, 640, 480, "colour-jpeg.tif");
  }
}

/* A page larger than twice the screen is shrunk while it is read; the
 * texture keeps the picture (box filter) and the view knows the real size. */
static void
test_shrink (Fixture       *f,
             gconstpointer  data)
{
  CatdImageView *view = add_view (f);
  /* 600 dpi Letter. */
  g_autofree char *path = write_halves (f, "big.tif", 5100, 6600, 1, 8,
                                        COMPRESSION_ADOBE_DEFLATE);
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
  int longest = 0;
  GdkTexture *texture;

  for (guint i = 0; i < g_list_model_get_n_items (monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      GdkRectangle geometry;

      gdk_monitor_get_geometry (monitor, &geometry);
      longest = MAX (longest, MAX (geometry.width, geometry.height));
    }
  g_assert_cmpint (longest, >, 0);

  catd_image_view_load_file (view, path);
  wait_texture (view);
  texture = catd_image_view_get_texture (view);
  if (texture == NULL)
    return;
  g_test_message ("a 5100 x 6600 page on a %d-pixel screen: a %d x %d texture", longest,
                  gdk_texture_get_width (texture), gdk_texture_get_height (texture));
  g_assert_cmpint (MAX (gdk_texture_get_width (texture), gdk_texture_get_height (texture)), <=,
                   2 * longest);
  g_assert_cmpint (gdk_texture_get_height (texture), >=, longest / 2);
  check_halves (view, 5100, 6600, "big.tif");
  /* The edge between the halves is kept sharp to a texture pixel. */
  {
    guint w = gdk_texture_get_width (texture);
    guint edge = (guint)(w * 2550.0 / 5100);

    g_assert_cmpuint (grey_of (pixel (texture, edge - 2, 10)), <, 10);
    g_assert_cmpuint (grey_of (pixel (texture, edge + 1, 10)), >, 245);
  }
}

/* The same file is decoded once for every view that shows it, however
 * many ask and whenever; a page shown from its pixels is not decoded
 * again from the file it was stored as. */
static void
test_decode_once (Fixture       *f,
                  gconstpointer  data)
{
  CatdImageView *a = add_view (f);
  CatdImageView *b = add_view (f);
  CatdImageView *c = add_view (f);
  g_autofree char *path = write_halves (f, "once.tif", 1700, 2200, 1, 8,
                                        COMPRESSION_ADOBE_DEFLATE);
  g_autofree char *stored = g_build_filename (f->dir, "stored.tif", NULL);
  guint before = catd_image_view_get_n_decodes ();
  gsize stride = 1700;
  g_autofree guint8 *grey = g_malloc (stride * 2200);
  g_autoptr(GBytes) pixels = NULL;

  /* Two views asking at once share one decode. */
  catd_image_view_load_file (a, path);
  catd_image_view_load_file (b, path);
  wait_texture (a);
  wait_texture (b);
  g_assert_cmpuint (catd_image_view_get_n_decodes () - before, ==, 1);
  g_assert_true (catd_image_view_get_texture (a) == catd_image_view_get_texture (b));

  /* Asked again later: shown at once, from the cache. */
  catd_image_view_load_file (c, path);
  g_assert_nonnull (catd_image_view_get_texture (c));
  g_assert_false (catd_image_view_get_loading (c));
  g_assert_cmpuint (catd_image_view_get_n_decodes () - before, ==, 1);

  /* A scanned page: its pixels, then its stored file elsewhere. */
  for (guint y = 0; y < 2200; y++)
    for (guint x = 0; x < 1700; x++)
      grey[y * stride + x] = x < 850 ? 0 : 255;
  pixels = g_bytes_new_take (g_steal_pointer (&grey), stride * 2200);
  catd_image_view_set_pixels (a, pixels, 1700, 2200, 1, stride, stored);
  wait_texture (a);
  g_assert_true (catd_gui_test_wait (not_loading, a, WAIT_MS));
  check_halves (a, 1700, 2200, "scanned pixels");
  g_assert_cmpuint (catd_image_view_get_n_decodes () - before, ==, 2);
  /* (The file does not even exist: the texture is reused.) */
  catd_image_view_load_file (b, stored);
  g_assert_false (catd_image_view_get_loading (b));
  g_assert_true (catd_image_view_get_texture (a) == catd_image_view_get_texture (b));
  g_assert_cmpuint (catd_image_view_get_n_decodes () - before, ==, 2);

  /* A page shown while it waited for a decision, then stored: its texture
   * becomes the stored file's, with no second conversion. */
  {
    g_autofree char *later = g_build_filename (f->dir, "later.tif", NULL);
    g_autoptr(GBytes) copy = g_bytes_new (g_bytes_get_data (pixels, NULL),
                                          g_bytes_get_size (pixels));

    catd_image_view_set_pixels (c, copy, 1700, 2200, 1, stride, NULL);
    wait_texture (c);
    g_assert_true (catd_gui_test_wait (not_loading, c, WAIT_MS));
    g_assert_cmpuint (catd_image_view_get_n_decodes () - before, ==, 3);
    catd_image_view_set_pixels (c, copy, 1700, 2200, 1, stride, later);
    g_assert_false (catd_image_view_get_loading (c));
    catd_image_view_load_file (a, later);
    g_assert_false (catd_image_view_get_loading (a));
    g_assert_true (catd_image_view_get_texture (a) == catd_image_view_get_texture (c));
    g_assert_cmpuint (catd_image_view_get_n_decodes () - before, ==, 3);
  }
}

static GdkTexture *
texture_drawn_by (CatdImageView *view)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (view));
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  GdkTexture *texture;

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (GTK_WIDGET (view)),
                          gtk_widget_get_height (GTK_WIDGET (view)));
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  /* The level the view's snapshot just drew the page from. */
  texture = catd_image_view_get_drawn_level (view);
  g_assert_nonnull (texture);
  return g_object_ref (texture);
}

/* A page fitted to a view narrower than half of it is drawn from a
 * smaller level of detail, not scaled down from the whole texture on every
 * frame; zoomed in, from the whole texture. */
static void
test_levels (Fixture       *f,
             gconstpointer  data)
{
  CatdImageView *view = add_view (f);
  g_autofree char *path = write_halves (f, "levels.tif", 1700, 2200, 1, 8,
                                        COMPRESSION_ADOBE_DEFLATE);
  g_autoptr(GdkTexture) fitted = NULL;
  g_autoptr(GdkTexture) zoomed = NULL;
  int width;

  catd_image_view_load_file (view, path);
  wait_texture (view);
  catd_gui_test_spin (200);
  width = gtk_widget_get_width (GTK_WIDGET (view));
  g_assert_cmpint (width, <, 850);

  fitted = texture_drawn_by (view);
  g_test_message ("a %d-pixel wide view draws a %d-pixel wide level", width,
                  gdk_texture_get_width (fitted));
  g_assert_cmpint (gdk_texture_get_width (fitted), >=, width - 40);
  g_assert_cmpint (gdk_texture_get_width (fitted), <, 1700);

  catd_image_view_set_zoom (view, 1.0);
  catd_gui_test_spin (100);
  zoomed = texture_drawn_by (view);
  g_assert_true (zoomed == catd_image_view_get_texture (view));
  g_assert_cmpint (gdk_texture_get_width (zoomed), ==, 1700);
}

/* A later request wins over one in flight; a damaged file says so. */
static void
test_latest_wins_and_damage (Fixture       *f,
                             gconstpointer  data)
{
  CatdImageView *view = add_view (f);
  g_autofree char *first = write_halves (f, "first.tif", 3000, 4000, 1, 8,
                                         COMPRESSION_ADOBE_DEFLATE);
  g_autofree char *second = write_halves (f, "second.tif", 320, 240, 3, 8, COMPRESSION_NONE);
  g_autofree char *damaged = g_build_filename (f->dir, "damaged.tif", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint w = 0;

  catd_image_view_load_file (view, first);
  catd_image_view_load_file (view, second);
  wait_texture (view);
  catd_gui_test_spin (200);
  catd_image_view_get_source_size (view, &w, NULL);
  g_assert_cmpuint (w, ==, 320);

  /* Cut in the middle of its strips. */
  g_assert_true (g_file_get_contents (first, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (damaged, contents, length / 2, NULL));
  catd_image_view_load_file (view, damaged);
  g_assert_null (catd_image_view_get_texture (view));
  g_assert_true (catd_gui_test_wait (not_loading, view, WAIT_MS));
  g_assert_null (catd_image_view_get_texture (view));
  g_assert_cmpstr (catd_image_view_get_error (view), ==,
                   _("This image cannot be shown: the file is damaged or is not a TIFF image."));
  g_assert_true (catd_gui_test_contains_text (GTK_WIDGET (view),
                                              catd_image_view_get_error (view)));

  /* Whole, but with its strips overwritten in the middle. */
  {
    g_autofree char *garbled = g_memdup2 (contents, length);
    g_autofree char *path = g_build_filename (f->dir, "garbled.tif", NULL);

    memset (garbled + length / 3, 0x5a, length / 3);
    g_assert_true (g_file_set_contents (path, garbled, length, NULL));
    catd_image_view_load_file (view, path);
    g_assert_true (catd_gui_test_wait (not_loading, view, WAIT_MS));
    g_assert_null (catd_image_view_get_texture (view));
    g_assert_nonnull (catd_image_view_get_error (view));
  }

  /* A failure is not cached: the file mended, it is shown. */
  g_assert_true (g_file_set_contents (damaged, contents, length, NULL));
  catd_image_view_load_file (view, damaged);
  wait_texture (view);
  g_assert_null (catd_image_view_get_error (view));
}

static GtkAdjustment *
adjustment (CatdImageView  *view,
            GtkOrientation  orientation)
{
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *bar = catd_gui_test_find (GTK_WIDGET (view), GTK_TYPE_SCROLLBAR, i);

      if (bar && gtk_orientable_get_orientation (GTK_ORIENTABLE (bar)) == orientation)
        return gtk_scrollbar_get_adjustment (GTK_SCROLLBAR (bar));
    }
  g_assert_not_reached ();
}

/* The keys and the actions they run. */
static const char *
action_for_key (CatdImageView *view,
                const char    *trigger)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (view));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *t = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
          g_autofree char *text = gtk_shortcut_trigger_to_string (t);

          if (g_str_equal (text, trigger) && GTK_IS_NAMED_ACTION (action))
            return gtk_named_action_get_action_name (GTK_NAMED_ACTION (action));
        }
    }
  return NULL;
}

typedef struct
{
  CatdImageView *view;
  double         zoom;
} ZoomIs;

static gboolean
zoom_is (gpointer data)
{
  ZoomIs *z = data;

  return G_APPROX_VALUE (catd_image_view_get_zoom (z->view), z->zoom, 1e-6);
}

/* Fit width, zoom in and out around the centre, rotate, pan: all one
 * transform of the same texture. */
static void
test_zoom_pan_rotate (Fixture       *f,
                      gconstpointer  data)
{
  CatdImageView *view = add_view (f);
  g_autofree char *path = write_halves (f, "page.tif", 1700, 2200, 1, 8,
                                        COMPRESSION_ADOBE_DEFLATE);
  GdkTexture *texture;
  GtkAdjustment *v;
  int width;
  double fit;

  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (view)), ==,
                   GTK_ACCESSIBLE_ROLE_IMG);
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (view)));
  g_assert_cmpstr (action_for_key (view, "plus"), ==, "view.zoom-in");
  g_assert_cmpstr (action_for_key (view, "<Control>plus"), ==, "view.zoom-in");
  g_assert_cmpstr (action_for_key (view, "KP_Add"), ==, "view.zoom-in");
  g_assert_cmpstr (action_for_key (view, "minus"), ==, "view.zoom-out");
  g_assert_cmpstr (action_for_key (view, "0"), ==, "view.fit-width");
  g_assert_cmpstr (action_for_key (view, "r"), ==, "view.rotate");
  g_assert_cmpstr (action_for_key (view, "Down"), ==, "view.pan");

  catd_image_view_load_file (view, path);
  wait_texture (view);
  texture = catd_image_view_get_texture (view);
  catd_gui_test_spin (200);
  width = gtk_widget_get_width (GTK_WIDGET (view));

  /* A new page fits the width: the page is taller, so the vertical
   * scrollbar takes its share. */
  g_assert_true (catd_image_view_get_fit_width (view));
  fit = catd_image_view_get_zoom (view);
  g_test_message ("a %d-pixel wide view shows 1700 pixels at %.3f", width, fit);
  g_assert_cmpfloat (fit * 1700, <=, width);
  g_assert_cmpfloat (fit * 1700, >=, width - 40);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-in", NULL));
  g_assert_true (catd_gui_test_wait (zoom_is, &(ZoomIs) { view, fit * 1.25 }, WAIT_MS));
  g_assert_false (catd_image_view_get_fit_width (view));
  gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-out", NULL);
  gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-out", NULL);
  g_assert_true (catd_gui_test_wait (zoom_is, &(ZoomIs) { view, fit / 1.25 }, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (view), "view.fit-width", NULL);
  catd_gui_test_spin (100);
  g_assert_true (catd_image_view_get_fit_width (view));
  g_assert_cmpfloat_with_epsilon (catd_image_view_get_zoom (view), fit, 1e-6);

  /* Panning down by keys and to the end and the start. */
  v = adjustment (view, GTK_ORIENTATION_VERTICAL);
  g_assert_cmpfloat (gtk_adjustment_get_value (v), ==, 0);
  gtk_widget_activate_action (GTK_WIDGET (view), "view.pan", "(ii)", 0, 1);
  g_assert_cmpfloat (gtk_adjustment_get_value (v), >, 0);
  gtk_widget_activate_action (GTK_WIDGET (view), "view.pan", "(ii)", 0, 2);
  g_assert_cmpfloat (gtk_adjustment_get_value (v), ==,
                     gtk_adjustment_get_upper (v) - gtk_adjustment_get_page_size (v));
  gtk_widget_activate_action (GTK_WIDGET (view), "view.pan", "(ii)", 0, -2);
  g_assert_cmpfloat (gtk_adjustment_get_value (v), ==, 0);

  /* A quarter turn: the page's height now fits the width. */
  gtk_widget_activate_action (GTK_WIDGET (view), "view.rotate", NULL);
  catd_gui_test_spin (100);
  g_assert_cmpuint (catd_image_view_get_rotation (view), ==, 90);
  g_assert_cmpfloat (catd_image_view_get_zoom (view) * 2200, <=, width);
  g_assert_cmpfloat (catd_image_view_get_zoom (view) * 2200, >=, width - 40);
  for (guint i = 0; i < 3; i++)
    gtk_widget_activate_action (GTK_WIDGET (view), "view.rotate", NULL);
  g_assert_cmpuint (catd_image_view_get_rotation (view), ==, 0);

  /* None of it decoded anything again. */
  g_assert_true (catd_image_view_get_texture (view) == texture);

  /* Nothing to zoom without a page. */
  catd_image_view_clear (view);
  fit = catd_image_view_get_zoom (view);
  gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-in", NULL);
  catd_gui_test_spin (50);
  g_assert_cmpfloat (catd_image_view_get_zoom (view), ==, fit);
  g_assert_null (catd_image_view_get_texture (view));
}

int
main (int   argc,
      char *argv[])
{
  catd_gui_test_init (&argc, &argv);

  g_test_add ("/image-view/formats", Fixture, NULL, fixture_set_up, test_formats,
              fixture_tear_down);
  g_test_add ("/image-view/shrink", Fixture, NULL, fixture_set_up, test_shrink,
              fixture_tear_down);
  g_test_add ("/image-view/decode-once", Fixture, NULL, fixture_set_up, test_decode_once,
              fixture_tear_down);
  g_test_add ("/image-view/levels", Fixture, NULL, fixture_set_up, test_levels,
              fixture_tear_down);
  g_test_add ("/image-view/latest-wins-and-damage", Fixture, NULL, fixture_set_up,
              test_latest_wins_and_damage, fixture_tear_down);
  g_test_add ("/image-view/zoom-pan-rotate", Fixture, NULL, fixture_set_up,
              test_zoom_pan_rotate, fixture_tear_down);
  return g_test_run ();
}
