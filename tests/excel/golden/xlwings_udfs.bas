Function ACCOUNT_SCORE(account, Optional period)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        ACCOUNT_SCORE = XLPy.CallUDF("kpisheet.excel.udfs", "ACCOUNT_SCORE", Array(account, period, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        ACCOUNT_SCORE = XLPy.CallUDF("kpisheet.excel.udfs", "ACCOUNT_SCORE", Array(account, period, Nothing))
        Exit Function
    #End If
failed:
    ACCOUNT_SCORE = Err.Description
End Function

Function ACCOUNT_TIER(account, Optional period)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        ACCOUNT_TIER = XLPy.CallUDF("kpisheet.excel.udfs", "ACCOUNT_TIER", Array(account, period, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        ACCOUNT_TIER = XLPy.CallUDF("kpisheet.excel.udfs", "ACCOUNT_TIER", Array(account, period, Nothing))
        Exit Function
    #End If
failed:
    ACCOUNT_TIER = Err.Description
End Function

Function IS_KEY_ACCOUNT(account, Optional period)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        IS_KEY_ACCOUNT = XLPy.CallUDF("kpisheet.excel.udfs", "IS_KEY_ACCOUNT", Array(account, period, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        IS_KEY_ACCOUNT = XLPy.CallUDF("kpisheet.excel.udfs", "IS_KEY_ACCOUNT", Array(account, period, Nothing))
        Exit Function
    #End If
failed:
    IS_KEY_ACCOUNT = Err.Description
End Function

Function KEY_ACCOUNTS(Optional period)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KEY_ACCOUNTS = XLPy.CallUDF("kpisheet.excel.udfs", "KEY_ACCOUNTS", Array(period, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KEY_ACCOUNTS = XLPy.CallUDF("kpisheet.excel.udfs", "KEY_ACCOUNTS", Array(period, Nothing))
        Exit Function
    #End If
failed:
    KEY_ACCOUNTS = Err.Description
End Function

Function KPI(name, Optional period, Optional account)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI = XLPy.CallUDF("kpisheet.excel.udfs", "KPI", Array(name, period, account, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI = XLPy.CallUDF("kpisheet.excel.udfs", "KPI", Array(name, period, account, Nothing))
        Exit Function
    #End If
failed:
    KPI = Err.Description
End Function

Function KPI_SERIES(name, period_from, period_to, Optional account)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_SERIES = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_SERIES", Array(name, period_from, period_to, account, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_SERIES = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_SERIES", Array(name, period_from, period_to, account, Nothing))
        Exit Function
    #End If
failed:
    KPI_SERIES = Err.Description
End Function

Function KPI_STATUS(name, Optional period, Optional account)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_STATUS = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_STATUS", Array(name, period, account, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_STATUS = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_STATUS", Array(name, period, account, Nothing))
        Exit Function
    #End If
failed:
    KPI_STATUS = Err.Description
End Function

Function KPI_TABLE(Optional period, Optional account)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_TABLE = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_TABLE", Array(period, account, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_TABLE = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_TABLE", Array(period, account, Nothing))
        Exit Function
    #End If
failed:
    KPI_TABLE = Err.Description
End Function

Function KPI_TARGET(name, Optional period, Optional account)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_TARGET = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_TARGET", Array(name, period, account, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_TARGET = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_TARGET", Array(name, period, account, Nothing))
        Exit Function
    #End If
failed:
    KPI_TARGET = Err.Description
End Function

Function KPI_TREND(name, Optional period, Optional account)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_TREND = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_TREND", Array(name, period, account, Nothing), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_TREND = XLPy.CallUDF("kpisheet.excel.udfs", "KPI_TREND", Array(name, period, account, Nothing))
        Exit Function
    #End If
failed:
    KPI_TREND = Err.Description
End Function

