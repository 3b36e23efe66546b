/* Loads the vendored qr-scanner ES module for floor.js (which is a classic script). */
import QrScanner from "./vendor/qr-scanner.min.js";

window.QrScanner = QrScanner;
window.dispatchEvent(new Event("qrscanner-ready"));
