"""Files in and out: spreadsheet import, xlsx downloads, backups and exports."""
