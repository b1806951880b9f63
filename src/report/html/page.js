// Zoom for the treemaps: a click on a tile shows the directory it is drawn in alone; a click on a
// tile of the directory shown goes up one level; Escape shows the whole image again. The picture
// is complete without this script; the last line tells the tests that it ran to its end.
(function () {
  "use strict";
  var maps = document.querySelectorAll("svg.treemap");
  function byId(svg, id) { return svg.querySelector('rect[data-id="' + id + '"]'); }
  // The directory frame a tile is drawn in (itself for a frame), or the root.
  function frame(svg, tile) {
    while (tile && !tile.classList.contains("frame") && !tile.classList.contains("root")) {
      tile = byId(svg, tile.getAttribute("data-parent"));
    }
    return tile;
  }
  function zoom(svg, tile) {
    if (!tile || tile.classList.contains("root")) {
      svg.setAttribute("viewBox", svg.getAttribute("data-home"));
      svg.sizegateZoom = null;
      return;
    }
    var box = ["x", "y", "width", "height"].map(function (a) { return tile.getAttribute(a); });
    svg.setAttribute("viewBox", box.join(" "));
    svg.sizegateZoom = tile;
  }
  Array.prototype.forEach.call(maps, function (svg) {
    svg.setAttribute("data-home", svg.getAttribute("viewBox"));
    svg.addEventListener("click", function (event) {
      var tile = frame(svg, event.target.closest("rect.tile"));
      if (tile && tile === svg.sizegateZoom) {
        tile = frame(svg, byId(svg, tile.getAttribute("data-parent")));
      }
      zoom(svg, tile);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      Array.prototype.forEach.call(maps, function (svg) { zoom(svg, null); });
    }
  });
  document.body.setAttribute("data-ok", "1");
})();
